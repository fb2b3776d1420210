// The berth-testimage command line:
//   berth-testimage rootfs DIR [--probe PATH]
//   berth-testimage bundle DIR [--probe PATH] [--args "sh -c '...'"] [--terminal] [--rw]
//   berth-testimage oci-layout DIR [--tag T] [--layers N] [--gzip|--no-gzip]
//   berth-testimage oci-archive FILE [--tag T] [--layers N] [--gzip|--no-gzip]
//   berth-testimage docker-archive FILE [--tag name:tag] [--layers N]
// Image commands print what they wrote (digests, sizes) as one JSON object.
// Errors: one "berth-testimage: ..." line on stderr and exit 1.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::testimage {

int RunCli(int argc, char** argv);

// Splits a command line the way sh does for plain words: blanks separate,
// '...' is literal, "..." honours \" \\ \$ \`, and a backslash outside quotes
// escapes the next character. No expansions. Unbalanced quotes are an error.
absl::StatusOr<std::vector<std::string>> SplitShellWords(std::string_view line);

}  // namespace berth::testimage

// The pipes between the shim and a process without a terminal: the
// process's ends go to the runtime command as its fds 0-2 (and so to the
// container), the shim's ends to the IoHub.
#pragma once

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "shim/io/io_hub.h"

namespace berth::shim::io {

struct ChildStdio {
  UniqueFd in;  // the read end of stdin, or /dev/null
  UniqueFd out;
  UniqueFd err;
};

struct StdioPipes {
  ProcessStdio shim;
  ChildStdio child;
};

absl::StatusOr<StdioPipes> MakeStdioPipes(bool with_stdin);
// /dev/null on all three: the runtime's own stdio for a process with a terminal.
absl::StatusOr<ChildStdio> NullStdio();

}  // namespace berth::shim::io

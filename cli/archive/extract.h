// Extracts a tar stream into a local directory as docker's Untar does for
// `docker cp` (NoLchown, NoOverwriteDirNonDir): missing parents are created
// 0755, existing entries are replaced (a directory is merged with a
// directory), mode and mtime are applied, ownership is not. Every name is
// resolved under the destination with openat2(RESOLVE_IN_ROOT); names that
// climb out ("..") or are absolute, and symlinks or hardlinks pointing out,
// are refused. Devices are created only as root (skipped with a warning
// otherwise); fifos always.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/archive/copy_paths.h"
#include "cli/archive/tar_reader.h"

namespace berth::cli::archive {

struct ExtractOptions {
  std::vector<Rebase> rebases;                   // applied to names and hardlink targets
  std::function<void(const std::string&)> warn;  // one line, no newline
};

absl::Status ExtractTar(TarReader& reader, const std::string& dest_dir,
                        const ExtractOptions& options);

}  // namespace berth::cli::archive

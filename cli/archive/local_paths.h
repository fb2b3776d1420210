// The local side of docker cp's path rules, which look at the filesystem:
// moby's CopyInfoSourcePath and CopyInfoDestinationPath, and the docker
// CLI's ValidateOutputPath. Messages are Go's ("lstat /x: no such file or
// directory"), as docker prints them.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cli/archive/copy_paths.h"

namespace berth::cli::archive {

// "<what>: <errno text>", the errno text lower-cased as Go's.
absl::Status GoErrno(int errno_value, const std::string& what);

// The parent of `path` must exist; `path`, if it exists, must be a
// directory or a regular file.
absl::Status ValidateOutputPath(const std::string& path);

// The source (absolute) with the symlinks before its last element resolved,
// or all of them with `follow_link`; it must exist.
absl::StatusOr<CopyInfo> CopyInfoSourcePath(const std::string& path, bool follow_link);

// The destination (absolute) with symlinks at its end followed; it need not
// exist, but its parent must be a directory.
absl::StatusOr<CopyInfo> CopyInfoDestinationPath(const std::string& path);

}  // namespace berth::cli::archive

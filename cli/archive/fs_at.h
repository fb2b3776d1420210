// Lookups confined to a root directory: every path is resolved from a
// descriptor of the root with openat2(RESOLVE_IN_ROOT), so neither ".." nor
// a symlink (absolute or relative) leads outside it. The last component is
// handled with the *at() calls and never followed.
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::cli::archive {

// openat2(root_fd, rel, flags | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& rel, int flags);

// mkdir -p of `rel` (clean, relative) under the root, new directories 0755;
// an O_PATH descriptor of the directory.
absl::StatusOr<UniqueFd> MkdirAllInRoot(int root_fd, const std::string& rel);

// rm -rf of `name` in `dir_fd`, never following a symlink.
absl::Status RemoveAllAt(int dir_fd, const std::string& name);

// {"a/b", "c"} for "a/b/c"; {".", "c"} for "c".
std::pair<std::string, std::string> SplitParent(const std::string& rel);

}  // namespace berth::cli::archive

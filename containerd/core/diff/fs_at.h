// Path handling for layer extraction: every lookup is relative to a
// descriptor of the root and resolved with openat2(RESOLVE_IN_ROOT), so
// neither ".." nor a symlink can lead outside it; the last component is
// handled with the *at() calls and never followed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::containerd::diff {

// A tar entry name as a clean path relative to the root ("." for the root):
// a leading '/' is dropped after cleaning as an absolute path (so "/../x" is
// "x", as in a chroot), while a relative name whose ".." climbs above the
// root is InvalidArgument.
absl::StatusOr<std::string> CleanEntryName(std::string_view name);

// {"a/b", "c"} for "a/b/c"; {".", "c"} for "c".
std::pair<std::string, std::string> SplitParent(const std::string& rel);

// openat2(root_fd, rel, flags | O_CLOEXEC) with RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS. Errors carry the errno.
absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& rel, int flags);

// Like mkdir -p under the root; returns an O_PATH descriptor of the
// directory. Missing components are created 0755 (before umask).
absl::StatusOr<UniqueFd> MkdirAllInRoot(int root_fd, const std::string& rel);

// rm -rf of `name` in `dir_fd`, never following a symlink. Missing is fine.
absl::Status RemoveAllAt(int dir_fd, const std::string& name);

// Names in the directory open (not O_PATH) at `dir_fd`, without "." and "..",
// sorted.
absl::StatusOr<std::vector<std::string>> ListDir(int dir_fd);

// "/proc/self/fd/<dir_fd>/<name>": a path for the calls that have no *at()
// form (lsetxattr, llistxattr) that still resolves `name` from `dir_fd`.
std::string ProcPathAt(int dir_fd, const std::string& name);

}  // namespace berth::containerd::diff

// Resolving docker's User ("name", "uid", "uid:gid", "name:group") and
// GroupAdd against the container's own /etc/passwd and /etc/group.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

// Reads `rel_path` ("etc/passwd") inside `rootfs`, resolving symlinks as if
// `rootfs` were / (openat2 RESOLVE_IN_ROOT), so an image's link cannot make
// the daemon read a host file. A missing file reads as empty.
absl::StatusOr<std::string> ReadFileInRoot(const std::string& rootfs, const std::string& rel_path);

// Resolves `user` and `group_add` (names or numbers) in the rootfs's files.
// Empty `user` is root. Supplementary groups are the /etc/group entries
// listing the user, unless a group is given explicitly, then GroupAdd.
absl::StatusOr<ResolvedUser> ResolveUser(const std::string& rootfs, const std::string& user,
                                         const std::vector<std::string>& group_add);

}  // namespace berth::engined::spec

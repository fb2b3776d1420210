// Resolving docker's User ("name", "uid", "uid:gid", "name:group") and
// GroupAdd against the container's own /etc/passwd and /etc/group.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
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

// docker cp's copyUIDGID owner (moby's getUIDGID): `user` is
// "user[:group]", each a name or a number; a number is taken as it is (a
// uid the image does not list gets gid 0), a name must be in the rootfs's
// files. Only the primary group counts. InvalidArgument as moby words it:
// `failed to look up user "x" in container: no matching entries in passwd
// file`.
absl::StatusOr<std::pair<uint32_t, uint32_t>> ResolveCopyOwner(const std::string& rootfs,
                                                               const std::string& user);

}  // namespace berth::engined::spec

// Path resolution confined to a container's rootfs. Every lookup goes through
// openat2(RESOLVE_IN_ROOT), so ".." and symlinks (absolute or relative) can
// never lead outside the rootfs, whatever the image contains.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::runtime::linux {

// openat2(root_fd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra).
absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, std::string_view path, int flags,
                                    uint64_t extra_resolve = 0);

// Makes every missing directory of `path` inside the root (dangling
// symlinks on the way are followed and their targets created, inside the
// root) and returns an O_PATH fd of the final directory.
absl::StatusOr<UniqueFd> MkdirAllInRoot(int root_fd, std::string_view path, mode_t mode);

// Ensures a mount point exists at `path` inside the root: a directory, or an
// empty regular file when the source is not a directory, and returns an
// O_PATH fd of it.
absl::StatusOr<UniqueFd> CreateMountPoint(int root_fd, std::string_view path, bool directory);

// "/proc/self/fd/<fd>": how mount(2) is pointed at a resolved fd.
std::string ProcFdPath(int fd);

}  // namespace berth::runtime::linux

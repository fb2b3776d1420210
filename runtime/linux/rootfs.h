// Building the container's filesystem view, in the container's mount
// namespace: propagation, the rootfs bind, mounts[], /dev, then the switch of
// root and the finishing touches (masked and read-only paths, read-only root).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "runtime/linux/mounts.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

struct RootfsPlan {
  const spec::Spec* spec = nullptr;
  std::string rootfs;  // absolute, symlinks resolved
  MountContext mounts;  // rootfs_fd is filled in by PrepareRootfs
};

// Everything up to (not including) the root switch. Keeps the rootfs fd in
// plan->mounts.rootfs_fd valid through *rootfs_fd.
absl::Status PrepareRootfs(RootfsPlan* plan, UniqueFd* rootfs_fd);

// pivot_root into the rootfs and detach the old root (runc's approach: the
// rootfs as both new and put_old, then unmount the stacked old root).
absl::Status PivotRoot(const std::string& rootfs);

// --no-pivot: MS_MOVE the rootfs onto / and chroot into it.
absl::Status MoveRoot(const std::string& rootfs);

// After the root switch: masked paths, read-only paths, a read-only root,
// and shared root propagation when asked for.
absl::Status FinalizeRootfs(const spec::Spec& spec, bool user_ns);

}  // namespace berth::runtime::linux

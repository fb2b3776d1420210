// Mounting config.json's mounts[] into a container rootfs.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "runtime/cgroups/layout.h"
#include "runtime/linux/mount_options.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

struct MountContext {
  int rootfs_fd = -1;       // O_PATH fd of the rootfs (already a mount point)
  std::string rootfs;       // its path, for messages
  bool user_ns = false;     // the container has its own (or joined) user namespace
  int user_ns_fd = -1;      // that namespace, for idmapped mounts without own mappings
  bool cgroup_ns = false;   // the container has its own cgroup namespace
  const cgroups::Layout* cgroup_layout = nullptr;
  // controller -> host directory of the container's cgroup ("" = unified).
  std::map<std::string, std::string> cgroup_paths;
  // Called before the first cgroup mount: the process must be in its
  // cgroups (and its cgroup namespace) by then.
  std::function<absl::Status()> before_cgroup_mount;
};

// Mounts one entry at its destination inside the rootfs.
absl::Status MountEntry(const spec::Mount& mount, const MountContext& ctx);

// Remounts an existing bind mount at `target` (a path or /proc/self/fd/N)
// with `flags` added, keeping the flags the kernel locks in a user
// namespace (nosuid, nodev, noexec, atime) as they are.
absl::Status RemountBind(const std::string& target, unsigned long flags, const std::string& what);

}  // namespace berth::runtime::linux

#include "shim/task/rootfs.h"

#include <sys/mount.h>

#include "common/file_util.h"
#include "common/status.h"
#include "runtime/linux/mount_options.h"

namespace berth::shim::task {

absl::StatusOr<std::vector<std::string>> MountRootfs(const std::string& bundle,
                                                     const std::vector<RootfsMount>& mounts) {
  std::vector<std::string> mounted;
  std::string root = JoinPath(bundle, "rootfs");
  for (const RootfsMount& m : mounts) {
    absl::Status status;
    if (m.type.empty()) status = InvalidArgumentf("rootfs mount of {}: no type", m.source);
    std::string target = m.target.empty() ? root : JoinPath(root, m.target);
    bool inside = target == root || target.starts_with(root + "/");
    if (status.ok() && (target != CleanPath(target) || !inside)) {
      status = InvalidArgumentf("rootfs mount target {}: outside the rootfs", m.target);
    }
    if (status.ok()) status = MkdirAll(target, 0755);
    if (status.ok()) {
      runtime::linux::MountOptions options = runtime::linux::ParseMountOptions(m.options);
      if (::mount(m.source.c_str(), target.c_str(), m.type.c_str(), options.flags,
                  options.data.empty() ? nullptr : options.data.c_str()) < 0) {
        status = ErrnoErrorf(errno, "mount {} ({}) on {}", m.source, m.type, target);
      }
    }
    if (!status.ok()) {
      UnmountRootfs(mounted).IgnoreError();
      return status;
    }
    mounted.push_back(target);
  }
  return mounted;
}

absl::Status UnmountRootfs(const std::vector<std::string>& targets) {
  absl::Status first;
  for (auto it = targets.rbegin(); it != targets.rend(); ++it) {
    if (::umount2(it->c_str(), 0) == 0 || errno == EINVAL) continue;
    if (errno == EBUSY && ::umount2(it->c_str(), MNT_DETACH) == 0) continue;
    if (first.ok()) first = ErrnoErrorf(errno, "unmount {}", *it);
  }
  return first;
}

}  // namespace berth::shim::task

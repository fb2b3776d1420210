#include "engined/daemon/rootfs_mount.h"

#include <sys/mount.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined {

absl::StatusOr<ctrpb::Mount> SnapshotMount(ContainerdClient& containerd, const std::string& key) {
  ctrpb::MountsRequest request;
  request.set_snapshotter(kSnapshotter);
  request.set_key(key);
  ctrpb::MountsResponse response;
  grpc::Status s = containerd.snapshots().Mounts(containerd.Ctx().get(), request, &response);
  BERTH_RETURN_IF_ERROR(CallStatus(s, fmt::format("snapshot {}: mounts", key)));
  if (response.mounts_size() != 1) {
    return absl::InternalError(
        fmt::format("snapshot {}: expected one mount, got {}", key, response.mounts_size()));
  }
  return response.mounts(0);
}

absl::StatusOr<SnapshotLayers> LayersOf(const ctrpb::Mount& mount) {
  SnapshotLayers layers;
  if (mount.type() == "bind" || mount.type() == "rbind") {
    layers.upper = mount.source();
    return layers;
  }
  for (const std::string& option : mount.options()) {
    if (option.starts_with("upperdir=")) {
      layers.upper = option.substr(9);
    } else if (option.starts_with("lowerdir=")) {
      layers.lowers = SplitToStrings(option.substr(9), ':', true);
    }
  }
  // A read-only snapshot (a view) has lowers only.
  if (layers.upper.empty()) {
    return FailedPreconditionf("{} mount of {} has no upper directory", mount.type(),
                               mount.source());
  }
  return layers;
}

absl::StatusOr<RootfsMount> RootfsMount::MountReadOnly(ContainerdClient& containerd,
                                                       const std::string& key,
                                                       const std::string& target) {
  BERTH_ASSIGN_OR_RETURN(ctrpb::Mount m, SnapshotMount(containerd, key));
  BERTH_ASSIGN_OR_RETURN(SnapshotLayers layers, LayersOf(m));
  BERTH_RETURN_IF_ERROR(MkdirAll(target, 0700));
  int rc;
  if (layers.lowers.empty()) {
    rc = ::mount(layers.upper.c_str(), target.c_str(), nullptr, MS_BIND, nullptr);
    // A bind mount takes MS_RDONLY only on a remount.
    if (rc == 0) {
      rc = ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
      if (rc != 0) {
        int err = errno;
        ::umount2(target.c_str(), MNT_DETACH);
        errno = err;
      }
    }
  } else {
    std::vector<std::string> stack = {layers.upper};
    stack.insert(stack.end(), layers.lowers.begin(), layers.lowers.end());
    std::string data = "lowerdir=" + Join(stack, ":");
    rc = ::mount("overlay", target.c_str(), "overlay", MS_RDONLY, data.c_str());
  }
  if (rc != 0) return ErrnoErrorf(errno, "mount snapshot {} read-only on {}", key, target);
  return RootfsMount(target);
}

absl::StatusOr<RootfsMount> RootfsMount::Mount(ContainerdClient& containerd, const std::string& key,
                                               const std::string& target) {
  BERTH_ASSIGN_OR_RETURN(ctrpb::Mount m, SnapshotMount(containerd, key));
  BERTH_RETURN_IF_ERROR(MkdirAll(target, 0700));
  unsigned long flags = 0;
  std::vector<std::string> data;
  for (const std::string& option : m.options()) {
    if (option == "ro") {
      flags |= MS_RDONLY;
    } else if (option == "rbind") {
      flags |= MS_BIND | MS_REC;
    } else if (option == "bind") {
      flags |= MS_BIND;
    } else if (option != "rw") {
      data.push_back(option);
    }
  }
  std::string joined = Join(data, ",");
  if (::mount(m.source().c_str(), target.c_str(), m.type().c_str(), flags,
              joined.empty() ? nullptr : joined.c_str()) != 0) {
    return ErrnoErrorf(errno, "mount {} snapshot {} on {}", m.type(), key, target);
  }
  return RootfsMount(target);
}

RootfsMount::~RootfsMount() {
  if (path_.empty()) return;
  if (::umount2(path_.c_str(), MNT_DETACH) != 0) {
    log::Warnf("unmount {}: {}", path_, strerror(errno));
  }
  ::rmdir(path_.c_str());
}

}  // namespace berth::engined

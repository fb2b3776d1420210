#include "engined/daemon/rootfs_mount.h"

#include <sys/mount.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined {

absl::StatusOr<RootfsMount> RootfsMount::Mount(ContainerdClient& containerd, const std::string& key,
                                               const std::string& target) {
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
  const ctrpb::Mount& m = response.mounts(0);
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

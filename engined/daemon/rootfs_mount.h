// A container's snapshot mounted for a moment in berthd's own mount
// namespace: to read its /etc/passwd and to copy image content into new
// volumes before the task starts (the shim mounts it again for the task).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/containerd_client/containerd_client.h"

namespace berth::engined {

// The one mount berth-containerd gives for snapshot `key` (overlay, or a
// bind of the upper directory for a snapshot without parents).
absl::StatusOr<ctrpb::Mount> SnapshotMount(ContainerdClient& containerd, const std::string& key);

// The layers of an overlay snapshot mount, read from its options: the
// writable upper directory and the lower ones, topmost first. A bind mount
// (no parents) is its source as the upper and no lowers.
struct SnapshotLayers {
  std::string upper;
  std::vector<std::string> lowers;
};
absl::StatusOr<SnapshotLayers> LayersOf(const ctrpb::Mount& mount);

class RootfsMount {
 public:
  // Mounts snapshot `key` at `target` (created if missing).
  static absl::StatusOr<RootfsMount> Mount(ContainerdClient& containerd, const std::string& key,
                                           const std::string& target);
  // The snapshot's layers, upper included, stacked as read-only lowers: a
  // view of a running container's files that is not a second writer of its
  // upper directory (docker export, cp out of a stopped container).
  static absl::StatusOr<RootfsMount> MountReadOnly(ContainerdClient& containerd,
                                                   const std::string& key,
                                                   const std::string& target);
  RootfsMount(RootfsMount&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  RootfsMount& operator=(RootfsMount&&) = delete;
  RootfsMount(const RootfsMount&) = delete;
  ~RootfsMount();  // lazy unmount and rmdir

  const std::string& path() const { return path_; }

 private:
  explicit RootfsMount(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace berth::engined

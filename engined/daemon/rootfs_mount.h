// A container's snapshot mounted for a moment in berthd's own mount
// namespace: to read its /etc/passwd and to copy image content into new
// volumes before the task starts (the shim mounts it again for the task).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "engined/containerd_client/containerd_client.h"

namespace berth::engined {

class RootfsMount {
 public:
  // Mounts snapshot `key` at `target` (created if missing).
  static absl::StatusOr<RootfsMount> Mount(ContainerdClient& containerd, const std::string& key,
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

// A container's files opened for the archive endpoints (docker cp, export):
// a directory descriptor every path is resolved under with openat2
// (RESOLVE_IN_ROOT), so neither ".." nor a symlink leads out of it.
//
// For a running (or paused) container the root is /proc/<pid>/root: the
// live view, volumes and bind mounts included, as docker cp shows them.
// Otherwise the snapshot is mounted for as long as the ContainerFs lives
// (read-only for reads), and the container's operation lock is held so a
// start or rm waits until the copy is done.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "engined/daemon/container_store.h"
#include "engined/daemon/rootfs_mount.h"

namespace berth::engined {

class ContainerFs {
 public:
  enum class Access { kRead, kWrite };
  // `scratch_dir`: where a snapshot is mounted (a fresh directory inside).
  static absl::StatusOr<ContainerFs> Open(ContainerdClient& containerd, const ContainerRef& entry,
                                          const std::string& scratch_dir, Access access);
  // The snapshot alone, read-only, whatever the state (docker export: no
  // volumes, no /proc); the operation lock is held unless it runs.
  static absl::StatusOr<ContainerFs> OpenSnapshot(ContainerdClient& containerd,
                                                  const ContainerRef& entry,
                                                  const std::string& scratch_dir);

  ContainerFs(ContainerFs&&) = default;
  ContainerFs& operator=(ContainerFs&&) = default;
  ~ContainerFs();

  int root_fd() const { return root_.get(); }
  bool live() const { return mount_ == nullptr; }

 private:
  ContainerFs() = default;
  absl::Status MountSnapshot(ContainerdClient& containerd, const std::string& id,
                             const std::string& scratch_dir, Access access);
  // Declared first: released last, after the unmount.
  std::unique_lock<std::mutex> op_lock_;
  std::unique_ptr<RootfsMount> mount_;
  UniqueFd root_;
};

}  // namespace berth::engined

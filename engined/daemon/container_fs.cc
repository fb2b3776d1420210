#include "engined/daemon/container_fs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"

namespace berth::engined {
namespace {

absl::StatusOr<UniqueFd> OpenDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", path);
  return UniqueFd(fd);
}

// A new empty directory under `scratch_dir` for a mount.
absl::StatusOr<std::string> MountPoint(const std::string& scratch_dir) {
  BERTH_RETURN_IF_ERROR(MkdirAll(scratch_dir, 0700));
  std::string dir = JoinPath(scratch_dir, "archive-XXXXXX");
  if (::mkdtemp(dir.data()) == nullptr) return ErrnoErrorf(errno, "mkdtemp {}", dir);
  return dir;
}

}  // namespace

ContainerFs::~ContainerFs() {
  root_.reset();  // before the unmount, or it stays busy
  mount_.reset();
}

absl::StatusOr<ContainerFs> ContainerFs::Open(ContainerdClient& containerd,
                                              const ContainerRef& entry,
                                              const std::string& scratch_dir, Access access) {
  ContainerFs fs;
  fs.op_lock_ = std::unique_lock<std::mutex>(entry->op);
  std::string id;
  int pid = 0;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->removed) return NotFoundf("No such container: {}", entry->c.id);
    id = entry->c.id;
    if (entry->c.state.Running()) pid = entry->c.state.pid;
  }
  if (pid > 0) {
    // Pinned by the descriptor: the view stays valid even if the task
    // exits while the copy runs.
    absl::StatusOr<UniqueFd> root = OpenDir(fmt::format("/proc/{}/root", pid));
    if (root.ok()) {
      fs.root_ = std::move(*root);
      fs.op_lock_.unlock();  // a running container's lifecycle goes on
      return fs;
    }
    // Exited between the check and the open: the snapshot then.
  }
  BERTH_RETURN_IF_ERROR(fs.MountSnapshot(containerd, id, scratch_dir, access));
  return fs;
}

absl::StatusOr<ContainerFs> ContainerFs::OpenSnapshot(ContainerdClient& containerd,
                                                      const ContainerRef& entry,
                                                      const std::string& scratch_dir) {
  ContainerFs fs;
  fs.op_lock_ = std::unique_lock<std::mutex>(entry->op);
  std::string id;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    if (entry->removed) return NotFoundf("No such container: {}", entry->c.id);
    id = entry->c.id;
    if (entry->c.state.Running()) fs.op_lock_.unlock();
  }
  BERTH_RETURN_IF_ERROR(fs.MountSnapshot(containerd, id, scratch_dir, Access::kRead));
  return fs;
}

absl::Status ContainerFs::MountSnapshot(ContainerdClient& containerd, const std::string& id,
                                        const std::string& scratch_dir, Access access) {
  BERTH_ASSIGN_OR_RETURN(std::string target, MountPoint(scratch_dir));
  absl::StatusOr<RootfsMount> mount = access == Access::kWrite
                                          ? RootfsMount::Mount(containerd, id, target)
                                          : RootfsMount::MountReadOnly(containerd, id, target);
  if (!mount.ok()) {
    ::rmdir(target.c_str());
    return mount.status();
  }
  mount_ = std::make_unique<RootfsMount>(std::move(*mount));
  BERTH_ASSIGN_OR_RETURN(root_, OpenDir(mount_->path()));
  return absl::OkStatus();
}

}  // namespace berth::engined

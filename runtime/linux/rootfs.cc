#include "runtime/linux/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/linux/devices.h"
#include "runtime/linux/mount_options.h"
#include "runtime/linux/path_resolve.h"

namespace berth::runtime::linux {
namespace {

struct MountInfoEntry {
  std::string mount_point;
  bool shared = false;
};

std::vector<MountInfoEntry> ReadMountInfo() {
  std::vector<MountInfoEntry> out;
  absl::StatusOr<std::string> text = ReadFile("/proc/self/mountinfo");
  if (!text.ok()) return out;
  for (std::string_view line : Split(*text, '\n', true)) {
    std::vector<std::string_view> fields = Split(line, ' ');
    if (fields.size() < 7) continue;
    MountInfoEntry e;
    e.mount_point = std::string(fields[4]);
    for (size_t i = 6; i < fields.size() && fields[i] != "-"; ++i) {
      if (fields[i].starts_with("shared:")) e.shared = true;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// pivot_root refuses a new root whose parent mount is shared: make the
// mount that holds the rootfs private (runc's rootfsParentMountPrivate).
absl::Status MakeRootfsParentPrivate(const std::string& rootfs) {
  const MountInfoEntry* best = nullptr;
  std::vector<MountInfoEntry> mounts = ReadMountInfo();
  for (const MountInfoEntry& m : mounts) {
    bool prefix = m.mount_point == "/" || rootfs == m.mount_point ||
                  rootfs.starts_with(m.mount_point + "/");
    if (prefix && (best == nullptr || m.mount_point.size() >= best->mount_point.size())) best = &m;
  }
  if (best == nullptr || !best->shared) return absl::OkStatus();
  if (::mount(nullptr, best->mount_point.c_str(), nullptr, MS_PRIVATE, nullptr) < 0) {
    return ErrnoErrorf(errno, "make {} private (parent mount of the rootfs)", best->mount_point);
  }
  return absl::OkStatus();
}

bool IsDevMount(const spec::Mount& m) { return CleanPath("/" + m.destination) == "/dev"; }

bool DevIsHostBind(const spec::Spec& spec) {
  for (const spec::Mount& m : spec.mounts) {
    if (IsDevMount(m) && ParseMountOptions(m.options).IsBind()) return true;
  }
  return false;
}

absl::Status MaskPath(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return absl::OkStatus();
    return ErrnoErrorf(errno, "stat masked path {}", path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, nullptr) < 0) {
      return ErrnoErrorf(errno, "mask {} with a read-only tmpfs", path);
    }
  } else if (::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
    return ErrnoErrorf(errno, "mask {} with /dev/null", path);
  }
  return absl::OkStatus();
}

absl::Status ReadonlyPath(const std::string& path) {
  if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoErrorf(errno, "bind {} onto itself (read-only path)", path);
  }
  return RemountBind(path, MS_RDONLY, fmt::format("read-only path {}", path));
}

}  // namespace

absl::Status PrepareRootfs(RootfsPlan* plan, UniqueFd* rootfs_fd) {
  const spec::Spec& spec = *plan->spec;
  const std::string& rootfs = plan->rootfs;
  unsigned long propagation = MS_SLAVE | MS_REC;
  if (spec.linux && !spec.linux->rootfs_propagation.empty()) {
    BERTH_ASSIGN_OR_RETURN(propagation, ParsePropagation(spec.linux->rootfs_propagation));
    // Shared and unbindable are applied after the root switch: until then
    // stay a slave, so nothing set up here leaks to the host and the rootfs
    // can still be bind-mounted.
    if (propagation & (MS_SHARED | MS_UNBINDABLE)) propagation = MS_SLAVE | MS_REC;
  }
  if (::mount(nullptr, "/", nullptr, propagation, nullptr) < 0) {
    return ErrnoErrorf(errno, "set propagation of / in the container mount namespace");
  }
  BERTH_RETURN_IF_ERROR(MakeRootfsParentPrivate(rootfs));
  if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    return ErrnoErrorf(errno, "bind rootfs {} onto itself", rootfs);
  }
  rootfs_fd->reset(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!*rootfs_fd) return ErrnoErrorf(errno, "open rootfs {}", rootfs);
  plan->mounts.rootfs_fd = rootfs_fd->get();
  plan->mounts.rootfs = rootfs;

  // /dev is filled with device nodes before it may turn read-only.
  bool dev_read_only = false;
  for (const spec::Mount& m : spec.mounts) {
    if (IsDevMount(m) && !ParseMountOptions(m.options).IsBind()) {
      spec::Mount writable = m;
      std::erase(writable.options, "ro");
      dev_read_only = writable.options.size() != m.options.size();
      BERTH_RETURN_IF_ERROR(MountEntry(writable, plan->mounts));
      continue;
    }
    BERTH_RETURN_IF_ERROR(MountEntry(m, plan->mounts));
  }

  if (!DevIsHostBind(spec)) {
    std::vector<spec::Device> configured;
    if (spec.linux) configured = spec.linux->devices;
    BERTH_RETURN_IF_ERROR(
        CreateDevices(rootfs_fd->get(), DevicesWithDefaults(configured), plan->mounts.user_ns));
    BERTH_RETURN_IF_ERROR(CreateDevSymlinks(rootfs_fd->get()));
  }
  if (dev_read_only) {
    BERTH_ASSIGN_OR_RETURN(UniqueFd dev, OpenInRoot(rootfs_fd->get(), "/dev", O_PATH));
    std::string path = ProcFdPath(dev.get());
    if (::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID, nullptr) < 0) {
      return ErrnoErrorf(errno, "remount /dev read-only");
    }
  }
  return absl::OkStatus();
}

absl::Status PivotRoot(const std::string& rootfs) {
  UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root) return ErrnoErrorf(errno, "open /");
  UniqueFd new_root(::open(rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!new_root) return ErrnoErrorf(errno, "open rootfs {}", rootfs);
  if (::fchdir(new_root.get()) < 0) return ErrnoErrorf(errno, "chdir to rootfs {}", rootfs);
  if (::syscall(SYS_pivot_root, ".", ".") < 0) return ErrnoErrorf(errno, "pivot_root {}", rootfs);
  // The old root is now stacked under "/": detach it without letting the
  // unmount propagate back to the host.
  if (::fchdir(old_root.get()) < 0) return ErrnoErrorf(errno, "chdir to old root");
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
    return ErrnoErrorf(errno, "make old root a slave");
  }
  if (::umount2(".", MNT_DETACH) < 0) return ErrnoErrorf(errno, "unmount old root");
  if (::chdir("/") < 0) return ErrnoErrorf(errno, "chdir /");
  return absl::OkStatus();
}

absl::Status MoveRoot(const std::string& rootfs) {
  if (::chdir(rootfs.c_str()) < 0) return ErrnoErrorf(errno, "chdir to rootfs {}", rootfs);
  if (::mount(rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) {
    return ErrnoErrorf(errno, "move rootfs {} onto /", rootfs);
  }
  if (::chroot(".") < 0) return ErrnoErrorf(errno, "chroot {}", rootfs);
  if (::chdir("/") < 0) return ErrnoErrorf(errno, "chdir /");
  return absl::OkStatus();
}

absl::Status FinalizeRootfs(const spec::Spec& spec, bool /*user_ns*/) {
  if (spec.linux) {
    for (const std::string& path : spec.linux->readonly_paths) {
      BERTH_RETURN_IF_ERROR(ReadonlyPath(CleanPath("/" + path)));
    }
    for (const std::string& path : spec.linux->masked_paths) {
      BERTH_RETURN_IF_ERROR(MaskPath(CleanPath("/" + path)));
    }
  }
  if (spec.root && spec.root->readonly) {
    BERTH_RETURN_IF_ERROR(RemountBind("/", MS_RDONLY, "the root filesystem"));
  }
  if (spec.linux && !spec.linux->rootfs_propagation.empty()) {
    BERTH_ASSIGN_OR_RETURN(unsigned long propagation,
                           ParsePropagation(spec.linux->rootfs_propagation));
    if (propagation & (MS_SHARED | MS_UNBINDABLE)) {
      if (::mount(nullptr, "/", nullptr, propagation, nullptr) < 0) {
        return ErrnoErrorf(errno, "set propagation of / to {} (rootfsPropagation)",
                           spec.linux->rootfs_propagation);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

#include "runtime/linux/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "absl/cleanup/cleanup.h"
#include "common/file_util.h"
#include "common/scoped_pid.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/linux/cgroup_mount.h"
#include "runtime/linux/id_mapped_mount.h"
#include "runtime/linux/path_resolve.h"
#include "runtime/linux/tmpfs_copyup.h"

namespace berth::runtime::linux {
namespace {

// Flags that only make sense on the initial mount(2) call, not a remount.
constexpr unsigned long kRemountIgnored = MS_BIND | MS_REC | MS_REMOUNT;

unsigned long LockedFlags(const std::string& target) {
  struct statvfs st;
  if (::statvfs(target.c_str(), &st) < 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

absl::Status ApplyPropagation(const std::string& target, const MountOptions& opts,
                              const std::string& what) {
  for (unsigned long p : opts.propagation) {
    if (::mount(nullptr, target.c_str(), nullptr, p, nullptr) < 0) {
      return ErrnoErrorf(errno, "set propagation of {}", what);
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyRecursiveAttrs(const std::string& target, const MountOptions& opts,
                                 const std::string& what) {
  if (opts.attr_set == 0 && opts.attr_clr == 0) return absl::OkStatus();
  struct mount_attr attr = {};
  attr.attr_set = opts.attr_set;
  attr.attr_clr = opts.attr_clr;
  if (::mount_setattr(AT_FDCWD, target.c_str(), AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
    return ErrnoErrorf(errno, "mount_setattr (recursive options) on {}", what);
  }
  return absl::OkStatus();
}

// The bind source must exist on the host; its type decides the mount point.
absl::StatusOr<bool> SourceIsDirectory(const spec::Mount& m) {
  struct stat st;
  if (::stat(m.source.c_str(), &st) < 0) {
    return ErrnoErrorf(errno, "bind mount source {} for {}", m.source, m.destination);
  }
  return S_ISDIR(st.st_mode);
}

absl::Status MountBind(const spec::Mount& m, const MountOptions& opts, const MountContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(bool is_dir, SourceIsDirectory(m));
  BERTH_ASSIGN_OR_RETURN(UniqueFd target, CreateMountPoint(ctx.rootfs_fd, m.destination, is_dir));
  std::string target_path = ProcFdPath(target.get());
  std::string what = fmt::format("{:?} (bind of {})", m.destination, m.source);
  if (opts.idmap) {
    BERTH_RETURN_IF_ERROR(MountIdMapped(m, opts, target.get(), ctx.user_ns_fd));
  } else {
    unsigned long flags = MS_BIND | (opts.flags & MS_REC);
    if (::mount(m.source.c_str(), target_path.c_str(), nullptr, flags, nullptr) < 0) {
      return ErrnoErrorf(errno, "mount {}", what);
    }
  }
  // Reopen: the fd still names the covered directory, not the new mount.
  BERTH_ASSIGN_OR_RETURN(UniqueFd mounted, OpenInRoot(ctx.rootfs_fd, m.destination, O_PATH));
  std::string mounted_path = ProcFdPath(mounted.get());
  unsigned long extra = opts.flags & ~kRemountIgnored;
  if (extra != 0) {
    unsigned long keep = ctx.user_ns ? LockedFlags(mounted_path) & ~opts.cleared : 0;
    BERTH_RETURN_IF_ERROR(RemountBind(mounted_path, extra | keep, what));
  }
  BERTH_RETURN_IF_ERROR(ApplyRecursiveAttrs(mounted_path, opts, what));
  return ApplyPropagation(mounted_path, opts, what);
}

absl::Status MountFilesystem(const spec::Mount& m, const MountOptions& opts,
                             const MountContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd target, CreateMountPoint(ctx.rootfs_fd, m.destination, true));
  std::string target_path = ProcFdPath(target.get());
  std::string what = fmt::format("{} on {:?}", m.type, m.destination);
  unsigned long flags = opts.flags & ~MS_REMOUNT;
  // A read-only tmpfs is populated (tmpcopyup) before it turns read-only.
  bool late_ro = m.type == "tmpfs" && (flags & MS_RDONLY);
  if (late_ro) flags &= ~MS_RDONLY;
  const char* source = m.source.empty() ? m.type.c_str() : m.source.c_str();
  if (m.type == "tmpfs" && opts.tmpcopyup) {
    BERTH_RETURN_IF_ERROR(MountTmpfsCopyUp(target.get(), flags, opts.data, what));
  } else if (::mount(source, target_path.c_str(), m.type.c_str(), flags,
                     opts.data.empty() ? nullptr : opts.data.c_str()) < 0) {
    int err = errno;
    // Without its own network namespace, a user namespace may not mount
    // sysfs; runc falls back to a recursive bind of the host's /sys.
    if (m.type == "sysfs" && err == EPERM && ctx.user_ns) {
      if (::mount("/sys", target_path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
        return ErrnoErrorf(errno, "mount {} (bind of /sys after EPERM)", what);
      }
    } else if (m.type == "mqueue" && err == EPERM && ctx.user_ns) {
      if (::mount("/dev/mqueue", target_path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
        return ErrnoErrorf(errno, "mount {} (bind of /dev/mqueue after EPERM)", what);
      }
    } else {
      return ErrnoErrorf(err, "mount {}", what);
    }
  }
  BERTH_ASSIGN_OR_RETURN(UniqueFd mounted, OpenInRoot(ctx.rootfs_fd, m.destination, O_PATH));
  std::string mounted_path = ProcFdPath(mounted.get());
  if (late_ro) {
    if (::mount(nullptr, mounted_path.c_str(), nullptr,
                MS_REMOUNT | (opts.flags & ~kRemountIgnored), nullptr) < 0) {
      return ErrnoErrorf(errno, "remount {} read-only", what);
    }
  }
  BERTH_RETURN_IF_ERROR(ApplyRecursiveAttrs(mounted_path, opts, what));
  return ApplyPropagation(mounted_path, opts, what);
}

}  // namespace

absl::Status RemountBind(const std::string& target, unsigned long flags, const std::string& what) {
  unsigned long remount = MS_BIND | MS_REMOUNT | (flags & ~kRemountIgnored);
  if (::mount(nullptr, target.c_str(), nullptr, remount, nullptr) == 0) return absl::OkStatus();
  int err = errno;
  // In a user namespace the kernel refuses to drop locked flags; retry with
  // whatever the mount already carries.
  if (err == EPERM) {
    remount |= LockedFlags(target);
    if (::mount(nullptr, target.c_str(), nullptr, remount, nullptr) == 0) return absl::OkStatus();
    err = errno;
  }
  return ErrnoErrorf(err, "remount {} with options", what);
}

absl::Status MountEntry(const spec::Mount& m, const MountContext& ctx) {
  MountOptions opts = ParseMountOptions(m.options);
  if (m.type == "cgroup" || m.type == "cgroup2") {
    if (ctx.before_cgroup_mount) BERTH_RETURN_IF_ERROR(ctx.before_cgroup_mount());
    return MountCgroups(m, opts, ctx);
  }
  if (opts.IsBind() || m.type == "bind" || opts.idmap) {
    if (!opts.IsBind()) opts.flags |= MS_BIND;
    return MountBind(m, opts, ctx);
  }
  if (m.type.empty()) {
    return InvalidArgumentf("mount {:?}: no type and not a bind mount", m.destination);
  }
  return MountFilesystem(m, opts, ctx);
}

}  // namespace berth::runtime::linux

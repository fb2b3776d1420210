#include "runtime/linux/tmpfs_copyup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::runtime::linux {
namespace {

uint64_t MountAttrsFromFlags(unsigned long flags) {
  uint64_t attrs = 0;
  if (flags & MS_RDONLY) attrs |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) attrs |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) attrs |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NOATIME) attrs |= MOUNT_ATTR_NOATIME;
  if (flags & MS_STRICTATIME) attrs |= MOUNT_ATTR_STRICTATIME;
  if (flags & MS_NODIRATIME) attrs |= MOUNT_ATTR_NODIRATIME;
  return attrs;
}

absl::Status CopyFile(int src_dir, int dst_dir, const char* name, const struct stat& st) {
  UniqueFd in(::openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return ErrnoErrorf(errno, "open {}", name);
  UniqueFd out(::openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        st.st_mode & 07777));
  if (!out) return ErrnoErrorf(errno, "create {}", name);
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(left));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "copy {}", name);
    }
    if (n == 0) break;
    left -= n;
  }
  if (::fchown(out.get(), st.st_uid, st.st_gid) < 0) return ErrnoErrorf(errno, "chown {}", name);
  if (::fchmod(out.get(), st.st_mode & 07777) < 0) return ErrnoErrorf(errno, "chmod {}", name);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  (void)::futimens(out.get(), times);
  return absl::OkStatus();
}

absl::Status CopyEntry(int src_dir, int dst_dir, const char* name) {
  struct stat st;
  if (::fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return ErrnoErrorf(errno, "stat {}", name);
  }
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
      return CopyFile(src_dir, dst_dir, name, st);
    case S_IFDIR: {
      if (::mkdirat(dst_dir, name, st.st_mode & 07777) < 0) {
        return ErrnoErrorf(errno, "mkdir {}", name);
      }
      UniqueFd src(::openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      UniqueFd dst(::openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src || !dst) return ErrnoErrorf(errno, "open directory {}", name);
      BERTH_RETURN_IF_ERROR(CopyTree(src.get(), dst.get(), name));
      if (::fchown(dst.get(), st.st_uid, st.st_gid) < 0) {
        return ErrnoErrorf(errno, "chown {}", name);
      }
      if (::fchmod(dst.get(), st.st_mode & 07777) < 0) return ErrnoErrorf(errno, "chmod {}", name);
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      (void)::futimens(dst.get(), times);
      return absl::OkStatus();
    }
    case S_IFLNK: {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(src_dir, name, target.data(), target.size());
      if (n < 0) return ErrnoErrorf(errno, "readlink {}", name);
      target.resize(static_cast<size_t>(n));
      if (::symlinkat(target.c_str(), dst_dir, name) < 0) {
        return ErrnoErrorf(errno, "symlink {}", name);
      }
      (void)::fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
      return absl::OkStatus();
    }
    default:  // fifos, sockets, device nodes
      if (::mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0) {
        return ErrnoErrorf(errno, "mknod {}", name);
      }
      (void)::fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
      return absl::OkStatus();
  }
}

}  // namespace

absl::Status CopyTree(int src_dir_fd, int dst_dir_fd, const std::string& what) {
  int dup_fd = ::fcntl(src_dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return ErrnoErrorf(errno, "dup directory fd of {}", what);
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    ::close(dup_fd);
    return ErrnoErrorf(errno, "read directory {}", what);
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    BERTH_RETURN_IF_ERROR(WithContext(CopyEntry(src_dir_fd, dst_dir_fd, name.c_str()), what));
  }
  return absl::OkStatus();
}

absl::Status MountTmpfsCopyUp(int target_fd, unsigned long flags, const std::string& data,
                              const std::string& what) {
  UniqueFd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!fs) return ErrnoErrorf(errno, "fsopen tmpfs for {}", what);
  for (std::string_view option : Split(data, ',', true)) {
    auto [key, value] = SplitOnce(option, '=');
    std::string k(key);
    int rc = value ? ::fsconfig(fs.get(), FSCONFIG_SET_STRING, k.c_str(),
                                std::string(*value).c_str(), 0)
                   : ::fsconfig(fs.get(), FSCONFIG_SET_FLAG, k.c_str(), nullptr, 0);
    if (rc < 0) return ErrnoErrorf(errno, "tmpfs option {:?} for {}", option, what);
  }
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    return ErrnoErrorf(errno, "create tmpfs for {}", what);
  }
  // Writable while it is filled; read-only is applied after the move.
  UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC,
                         static_cast<unsigned int>(MountAttrsFromFlags(flags & ~MS_RDONLY))));
  if (!mnt) return ErrnoErrorf(errno, "fsmount tmpfs for {}", what);
  UniqueFd src(::openat(target_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src) return ErrnoErrorf(errno, "open {} to copy up", what);
  UniqueFd dst(::openat(mnt.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dst) return ErrnoErrorf(errno, "open new tmpfs for {}", what);
  BERTH_RETURN_IF_ERROR(CopyTree(src.get(), dst.get(), what));
  struct stat st;
  if (::fstat(src.get(), &st) == 0) {
    // An explicit mode= wins over the covered directory's mode.
    if (data.find("mode=") == std::string::npos) (void)::fchmod(dst.get(), st.st_mode & 07777);
    (void)::fchown(dst.get(), st.st_uid, st.st_gid);
  }
  if (::move_mount(mnt.get(), "", target_fd, "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
    return ErrnoErrorf(errno, "move tmpfs onto {}", what);
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

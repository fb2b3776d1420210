#include "engined/volumes/copy_up.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::engined::volumes {
namespace {

// Opens `path` below `root_fd` with every symlink resolved as if root_fd
// were "/" (openat2 RESOLVE_IN_ROOT), so nothing outside the rootfs is
// reached. Without openat2 we refuse symlinks on the way instead.
absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& path,
                                    const std::string& display) {
  size_t first = path.find_first_not_of('/');
  std::string rel = first == std::string::npos ? std::string(".") : path.substr(first);
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof(how)));
  if (fd >= 0) return UniqueFd(fd);
  if (errno != ENOSYS) return ErrnoErrorf(errno, "open {}", display);
  // Component walk with O_NOFOLLOW: a symlink anywhere is ELOOP/ENOTDIR.
  UniqueFd cur(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!cur) return ErrnoErrorf(errno, "dup {}", display);
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    std::string part =
        rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    start = slash == std::string::npos ? rel.size() + 1 : slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return InvalidArgumentf("open {}: path leaves the rootfs", display);
    UniqueFd next(::openat(cur.get(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return ErrnoErrorf(errno, "open {}", display);
    struct stat st;
    if (::fstat(next.get(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return FailedPreconditionf("open {}: refusing to follow a symlink without openat2", display);
    }
    cur = std::move(next);
  }
  return cur;
}

// Copies the extended attributes of `src` onto `dst` (both real fds).
// Filesystems that refuse some (security.*, trusted.* without privilege,
// no xattr support) are skipped: best effort, as docker.
void CopyXattrs(int src, int dst) {
  ssize_t len = ::flistxattr(src, nullptr, 0);
  if (len <= 0) return;
  std::vector<char> names(static_cast<size_t>(len));
  len = ::flistxattr(src, names.data(), names.size());
  if (len <= 0) return;
  std::vector<char> value;
  for (size_t i = 0; i < static_cast<size_t>(len);) {
    const char* name = names.data() + i;
    i += std::string_view(name).size() + 1;
    ssize_t vlen = ::fgetxattr(src, name, nullptr, 0);
    if (vlen < 0) continue;
    value.resize(static_cast<size_t>(vlen));
    vlen = ::fgetxattr(src, name, value.data(), value.size());
    if (vlen < 0) continue;
    (void)::fsetxattr(dst, name, value.data(), static_cast<size_t>(vlen), 0);
  }
}

// Owner first: chown clears set-id bits that the chmod after restores.
absl::Status ApplyMetadata(int fd, const struct stat& st, const std::string& display) {
  if (::fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) {
    return ErrnoErrorf(errno, "chown {}", display);
  }
  if (::fchmod(fd, st.st_mode & 07777) < 0) return ErrnoErrorf(errno, "chmod {}", display);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(fd, times) < 0) return ErrnoErrorf(errno, "set times of {}", display);
  return absl::OkStatus();
}

absl::Status CopyFileData(int src, int dst, const std::string& display) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::copy_file_range(src, nullptr, dst, nullptr, 1 << 30, 0);
    if (n > 0) continue;
    if (n == 0) return absl::OkStatus();
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
      return ErrnoErrorf(errno, "copy {}", display);
    }
    break;  // fall back to read/write from where copy_file_range stopped
  }
  for (;;) {
    ssize_t n = ::read(src, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read {}", display);
    }
    if (n == 0) return absl::OkStatus();
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(dst, buf + off, static_cast<size_t>(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        return ErrnoErrorf(errno, "write {}", display);
      }
      off += w;
    }
  }
}

absl::Status CopyTree(int src_dir, int dst_dir, const std::string& display);

absl::Status CopyEntry(int src_dir, int dst_dir, const char* name, const std::string& display) {
  struct stat st;
  if (::fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return ErrnoErrorf(errno, "stat {}", display);
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(dst_dir, name, 0700) < 0) return ErrnoErrorf(errno, "mkdir {}", display);
    UniqueFd src(::openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) return ErrnoErrorf(errno, "open {}", display);
    UniqueFd dst(::openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dst) return ErrnoErrorf(errno, "open copy of {}", display);
    BERTH_RETURN_IF_ERROR(CopyTree(src.get(), dst.get(), display));
    CopyXattrs(src.get(), dst.get());
    // After the children, so their creation does not bump the dir's mtime.
    return ApplyMetadata(dst.get(), st, display);
  }
  if (S_ISREG(st.st_mode)) {
    UniqueFd src(::openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) return ErrnoErrorf(errno, "open {}", display);
    UniqueFd dst(
        ::openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!dst) return ErrnoErrorf(errno, "create copy of {}", display);
    BERTH_RETURN_IF_ERROR(CopyFileData(src.get(), dst.get(), display));
    CopyXattrs(src.get(), dst.get());
    return ApplyMetadata(dst.get(), st, display);
  }
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 255) + 1);
    ssize_t n = ::readlinkat(src_dir, name, target.data(), target.size());
    if (n < 0) return ErrnoErrorf(errno, "readlink {}", display);
    std::string link(target.data(), static_cast<size_t>(n));
    if (::symlinkat(link.c_str(), dst_dir, name) < 0)
      return ErrnoErrorf(errno, "symlink {}", display);
    if (::fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
        errno != EPERM) {
      return ErrnoErrorf(errno, "chown {}", display);
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    (void)::utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW);
    return absl::OkStatus();
  }
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
    if (::mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0) {
      if (errno == EPERM) return absl::OkStatus();  // devices need privilege; skip
      return ErrnoErrorf(errno, "mknod {}", display);
    }
    UniqueFd dst(::openat(dst_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!dst) return ErrnoErrorf(errno, "open copy of {}", display);
    (void)::fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    (void)::fchmodat(dst_dir, name, st.st_mode & 07777, 0);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    (void)::utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW);
    return absl::OkStatus();
  }
  return absl::OkStatus();  // sockets: nothing to copy
}

absl::Status CopyTree(int src_dir, int dst_dir, const std::string& display) {
  int dup_fd = ::fcntl(src_dir, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return ErrnoErrorf(errno, "dup {}", display);
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    ::close(dup_fd);
    return ErrnoErrorf(errno, "opendir {}", display);
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  for (const std::string& n : names) {
    BERTH_RETURN_IF_ERROR(CopyEntry(src_dir, dst_dir, n.c_str(), fmt::format("{}/{}", display, n)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CopyImageContent(const std::string& rootfs, const std::string& destination,
                              const std::string& volume_data_dir) {
  std::string display = fmt::format("{}{}", rootfs, destination);
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoErrorf(errno, "open rootfs {}", rootfs);
  absl::StatusOr<UniqueFd> path = OpenInRoot(root.get(), destination, display);
  if (!path.ok()) {
    // Nothing in the image at that path: nothing to copy.
    if (ErrnoOf(path.status()) == ENOENT) return absl::OkStatus();
    return WithContext(path.status(), fmt::format("copy image content of {}", destination));
  }
  struct stat st;
  if (::fstat(path->get(), &st) < 0) return ErrnoErrorf(errno, "stat {}", display);
  if (!S_ISDIR(st.st_mode)) return absl::OkStatus();
  // Reopen the O_PATH fd for reading through /proc, without re-resolving.
  std::string proc = fmt::format("/proc/self/fd/{}", path->get());
  UniqueFd src(::open(proc.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src) return ErrnoErrorf(errno, "open {}", display);

  UniqueFd dst(::open(volume_data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst) return ErrnoErrorf(errno, "open volume dir {}", volume_data_dir);
  {
    int dup_fd = ::fcntl(dst.get(), F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) return ErrnoErrorf(errno, "dup {}", volume_data_dir);
    DIR* d = ::fdopendir(dup_fd);
    if (d == nullptr) {
      ::close(dup_fd);
      return ErrnoErrorf(errno, "opendir {}", volume_data_dir);
    }
    bool empty = true;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n != "." && n != "..") empty = false;
    }
    ::closedir(d);
    if (!empty) return absl::OkStatus();  // a used volume keeps its content
  }
  BERTH_RETURN_IF_ERROR(
      WithContext(CopyTree(src.get(), dst.get(), display),
                  fmt::format("copy image content of {} into {}", destination, volume_data_dir)));
  CopyXattrs(src.get(), dst.get());
  return ApplyMetadata(dst.get(), st, volume_data_dir);
}

absl::Status PopulateVolumes(const ResolvedMounts& mounts, const std::string& rootfs) {
  for (const MountPoint& mp : mounts.mount_points) {
    if (mp.type != "volume" || !mp.copy_data) continue;
    BERTH_RETURN_IF_ERROR(WithContext(CopyImageContent(rootfs, mp.destination, mp.source),
                                      fmt::format("volume {}", mp.name)));
  }
  return absl::OkStatus();
}

}  // namespace berth::engined::volumes

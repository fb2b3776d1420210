#include "containerd/core/snapshots/copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::containerd::snapshots {
namespace {

struct Copier {
  dev_t dev = 0;
  // Source inode -> the path of its first copy, for hard links.
  std::map<std::pair<dev_t, ino_t>, std::string> links;
};

absl::Status CopyXattrs(const std::string& src, const std::string& dst) {
  ssize_t size = llistxattr(src.c_str(), nullptr, 0);
  if (size < 0) {
    if (errno == ENOTSUP) return absl::OkStatus();
    return ErrnoErrorf(errno, "list xattrs of {}", src);
  }
  std::string names(static_cast<size_t>(size), '\0');
  size = llistxattr(src.c_str(), names.data(), names.size());
  if (size < 0) return ErrnoErrorf(errno, "list xattrs of {}", src);
  names.resize(static_cast<size_t>(size));
  for (size_t pos = 0; pos < names.size();) {
    std::string name = names.c_str() + pos;
    pos += name.size() + 1;
    ssize_t n = lgetxattr(src.c_str(), name.c_str(), nullptr, 0);
    if (n < 0) return ErrnoErrorf(errno, "get xattr {} of {}", name, src);
    std::string value(static_cast<size_t>(n), '\0');
    n = lgetxattr(src.c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) return ErrnoErrorf(errno, "get xattr {} of {}", name, src);
    value.resize(static_cast<size_t>(n));
    if (lsetxattr(dst.c_str(), name.c_str(), value.data(), value.size(), 0) != 0) {
      return ErrnoErrorf(errno, "set xattr {} on {}", name, dst);
    }
  }
  return absl::OkStatus();
}

// Owner, mode, xattrs, times, in that order: chown clears set-id bits and
// security.capability, and every write moves the times.
absl::Status CopyAttributes(const std::string& src, const std::string& dst, const struct stat& st) {
  if (lchown(dst.c_str(), st.st_uid, st.st_gid) != 0) return ErrnoErrorf(errno, "chown {}", dst);
  if (!S_ISLNK(st.st_mode) && chmod(dst.c_str(), st.st_mode & 07777) != 0) {
    return ErrnoErrorf(errno, "chmod {}", dst);
  }
  BERTH_RETURN_IF_ERROR(CopyXattrs(src, dst));
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (utimensat(AT_FDCWD, dst.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoErrorf(errno, "set times of {}", dst);
  }
  return absl::OkStatus();
}

absl::Status CopyFile(const std::string& src, const std::string& dst) {
  UniqueFd in(open(src.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return ErrnoErrorf(errno, "open {}", src);
  UniqueFd out(open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return ErrnoErrorf(errno, "create {}", dst);
  bool plain = false;  // copy_file_range unsupported here: read and write
  char buf[64 * 1024];
  for (;;) {
    if (!plain) {
      ssize_t n = copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
      if (n > 0) continue;
      if (n == 0) return absl::OkStatus();
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL) {
        return ErrnoErrorf(errno, "copy {} to {}", src, dst);
      }
      plain = true;
    }
    ssize_t n = read(in.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoErrorf(errno, "read {}", src);
    if (n == 0) return absl::OkStatus();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out.get(), buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return ErrnoErrorf(errno, "write {}", dst);
      done += w;
    }
  }
}

absl::Status CopyEntry(Copier& c, const std::string& src, const std::string& dst,
                       const struct stat& st);

absl::Status CopyDirContents(Copier& c, const std::string& src, const std::string& dst) {
  DIR* dir = opendir(src.c_str());
  if (dir == nullptr) return ErrnoErrorf(errno, "open directory {}", src);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    dirent* e = readdir(dir);
    if (e == nullptr) {
      int err = errno;
      closedir(dir);
      if (err != 0) return ErrnoErrorf(err, "read directory {}", src);
      break;
    }
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  for (const std::string& name : names) {
    std::string from = src + "/" + name;
    struct stat st;
    if (lstat(from.c_str(), &st) != 0) return ErrnoErrorf(errno, "stat {}", from);
    BERTH_RETURN_IF_ERROR(CopyEntry(c, from, dst + "/" + name, st));
  }
  return absl::OkStatus();
}

absl::Status CopyEntry(Copier& c, const std::string& src, const std::string& dst,
                       const struct stat& st) {
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    auto [it, first] = c.links.emplace(std::make_pair(st.st_dev, st.st_ino), dst);
    if (!first) {
      if (link(it->second.c_str(), dst.c_str()) != 0) {
        return ErrnoErrorf(errno, "link {} to {}", dst, it->second);
      }
      return absl::OkStatus();
    }
  }
  switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
      if (mkdir(dst.c_str(), 0700) != 0) return ErrnoErrorf(errno, "create directory {}", dst);
      if (st.st_dev == c.dev) BERTH_RETURN_IF_ERROR(CopyDirContents(c, src, dst));
      break;
    case S_IFREG:
      BERTH_RETURN_IF_ERROR(CopyFile(src, dst));
      break;
    case S_IFLNK: {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = readlink(src.c_str(), target.data(), target.size());
      if (n < 0) return ErrnoErrorf(errno, "read link {}", src);
      target.resize(static_cast<size_t>(n));
      if (symlink(target.c_str(), dst.c_str()) != 0) {
        return ErrnoErrorf(errno, "create symlink {}", dst);
      }
      break;
    }
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
      if (mknod(dst.c_str(), st.st_mode, st.st_rdev) != 0) {
        return ErrnoErrorf(errno, "mknod {} ({}:{})", dst, major(st.st_rdev), minor(st.st_rdev));
      }
      break;
    default:
      return InvalidArgumentf("copy {}: unknown file type {:o}", src, st.st_mode & S_IFMT);
  }
  return CopyAttributes(src, dst, st);
}

}  // namespace

absl::Status CopyTree(const std::string& src, const std::string& dst) {
  struct stat st;
  if (lstat(src.c_str(), &st) != 0) return ErrnoErrorf(errno, "stat {}", src);
  if (!S_ISDIR(st.st_mode)) return InvalidArgumentf("copy {}: not a directory", src);
  Copier c;
  c.dev = st.st_dev;
  BERTH_RETURN_IF_ERROR(CopyDirContents(c, src, dst));
  return CopyAttributes(src, dst, st);
}

}  // namespace berth::containerd::snapshots

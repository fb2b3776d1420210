#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "common/status.h"
#include "common/unique_fd.h"
#include "containerd/core/snapshots/snapshotter.h"

namespace berth::containerd::snapshots {
namespace {

struct Walk {
  dev_t dev = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  snapshots::Usage usage;
};

void Count(Walk& w, const struct stat& st) {
  if (!w.seen.emplace(st.st_dev, st.st_ino).second) return;
  w.usage.inodes++;
  w.usage.size += static_cast<int64_t>(st.st_blocks) * 512;
}

// Walks the directory open at `fd` (taken); `path` names it for errors.
absl::Status WalkDir(Walk& w, int fd, const std::string& path) {
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    close(fd);
    return ErrnoErrorf(err, "open directory {}", path);
  }
  absl::Status status;
  for (;;) {
    errno = 0;
    dirent* e = readdir(dir);
    if (e == nullptr) {
      if (errno != 0) status = ErrnoErrorf(errno, "read directory {}", path);
      break;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string child = path + "/" + e->d_name;
    struct stat st;
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      status = ErrnoErrorf(errno, "stat {}", child);
      break;
    }
    if (st.st_dev != w.dev) continue;  // a mount point: not this layer's
    Count(w, st);
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        status = ErrnoErrorf(errno, "open {}", child);
        break;
      }
      status = WalkDir(w, sub, child);
      if (!status.ok()) break;
    }
  }
  closedir(dir);
  return status;
}

}  // namespace

absl::StatusOr<snapshots::Usage> DiskUsage(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", dir);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return ErrnoErrorf(err, "stat {}", dir);
  }
  Walk w;
  w.dev = st.st_dev;
  Count(w, st);
  BERTH_RETURN_IF_ERROR(WalkDir(w, fd, dir));
  return w.usage;
}

}  // namespace berth::containerd::snapshots

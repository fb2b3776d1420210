#include "tests/testimage/disk_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::testimage {
namespace {

absl::Status WriteDir(int root_fd, const FsEntry& e, const std::string& display) {
  if (::mkdirat(root_fd, e.path.c_str(), 0700) < 0 && errno != EEXIST) {
    return ErrnoErrorf(errno, "mkdir {}", display);
  }
  struct stat st;
  if (::fstatat(root_fd, e.path.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return ErrnoErrorf(errno, "stat {}", display);
  }
  if (!S_ISDIR(st.st_mode)) return ErrnoErrorf(EEXIST, "mkdir {}: not a directory", display);
  if (::fchmodat(root_fd, e.path.c_str(), e.mode, 0) < 0) {
    return ErrnoErrorf(errno, "chmod {}", display);
  }
  return absl::OkStatus();
}

absl::Status RemoveNonDir(int root_fd, const FsEntry& e, const std::string& display) {
  if (::unlinkat(root_fd, e.path.c_str(), 0) < 0 && errno != ENOENT) {
    return ErrnoErrorf(errno, "remove {}", display);
  }
  return absl::OkStatus();
}

absl::Status WriteRegular(int root_fd, const FsEntry& e, const std::string& display) {
  BERTH_RETURN_IF_ERROR(RemoveNonDir(root_fd, e, display));
  UniqueFd fd(::openat(root_fd, e.path.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return ErrnoErrorf(errno, "create {}", display);
  std::string_view data = e.content;
  while (!data.empty()) {
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "write {}", display);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fchmod(fd.get(), e.mode) < 0) return ErrnoErrorf(errno, "chmod {}", display);
  return absl::OkStatus();
}

absl::Status WriteSymlink(int root_fd, const FsEntry& e, const std::string& display) {
  BERTH_RETURN_IF_ERROR(RemoveNonDir(root_fd, e, display));
  if (::symlinkat(e.target.c_str(), root_fd, e.path.c_str()) < 0) {
    return ErrnoErrorf(errno, "symlink {} -> {}", display, e.target);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteTreeToDir(const FsTree& tree, const std::string& root) {
  BERTH_RETURN_IF_ERROR(MkdirAll(root));
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return ErrnoErrorf(errno, "open {}", root);
  // Sorted() puts parents first, so every openat below finds its directory.
  for (const FsEntry* e : tree.Sorted()) {
    std::string display = JoinPath(root, e->path);
    switch (e->type) {
      case FsEntry::Type::kDir:
        BERTH_RETURN_IF_ERROR(WriteDir(root_fd.get(), *e, display));
        break;
      case FsEntry::Type::kFile:
        BERTH_RETURN_IF_ERROR(WriteRegular(root_fd.get(), *e, display));
        break;
      case FsEntry::Type::kSymlink:
        BERTH_RETURN_IF_ERROR(WriteSymlink(root_fd.get(), *e, display));
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::testimage

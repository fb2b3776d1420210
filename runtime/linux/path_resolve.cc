#include "runtime/linux/path_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::linux {
namespace {

constexpr int kMaxSymlinkRestarts = 40;

int RawOpenat2(int dir_fd, const char* path, int flags, uint64_t resolve) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = resolve;
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, dir_fd, path, &how, sizeof(how)));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

std::string Relative(std::string_view path) {
  std::string clean = CleanPath(std::string("/") + std::string(path));
  return clean == "/" ? "." : clean.substr(1);
}

}  // namespace

absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, std::string_view path, int flags,
                                    uint64_t extra_resolve) {
  std::string rel = Relative(path);
  int fd = RawOpenat2(root_fd, rel.c_str(), flags,
                      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve);
  if (fd < 0) return ErrnoErrorf(errno, "open {} in container rootfs", CleanPath("/" + rel));
  return UniqueFd(fd);
}

absl::StatusOr<UniqueFd> MkdirAllInRoot(int root_fd, std::string_view path, mode_t mode) {
  std::string pending = Relative(path);
  for (int restarts = 0; restarts < kMaxSymlinkRestarts; ++restarts) {
    std::vector<std::string> parts = SplitToStrings(pending, '/', true);
    if (pending == ".") parts.clear();
    std::string prefix;
    UniqueFd parent(RawOpenat2(root_fd, ".", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT));
    if (!parent) return ErrnoErrorf(errno, "open container rootfs");
    bool restarted = false;
    for (size_t i = 0; i < parts.size(); ++i) {
      std::string next = prefix.empty() ? parts[i] : prefix + "/" + parts[i];
      int fd = RawOpenat2(root_fd, next.c_str(), O_PATH | O_DIRECTORY,
                          RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
      if (fd < 0 && errno == ENOENT) {
        if (::mkdirat(parent.get(), parts[i].c_str(), mode) < 0 && errno != EEXIST) {
          return ErrnoErrorf(errno, "mkdir /{} in container rootfs", next);
        }
        struct stat st;
        if (::fstatat(parent.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
          // A dangling symlink: create what it points to, inside the root.
          char target[4096];
          ssize_t n = ::readlinkat(parent.get(), parts[i].c_str(), target, sizeof(target) - 1);
          if (n < 0) return ErrnoErrorf(errno, "readlink /{} in container rootfs", next);
          std::string link(target, static_cast<size_t>(n));
          std::string rest;
          for (size_t j = i + 1; j < parts.size(); ++j) rest += "/" + parts[j];
          std::string base = link.starts_with("/") ? "" : "/" + prefix;
          pending = Relative(base + "/" + link + rest);
          restarted = true;
          break;
        }
        fd = RawOpenat2(root_fd, next.c_str(), O_PATH | O_DIRECTORY,
                        RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
      }
      if (fd < 0) return ErrnoErrorf(errno, "open /{} in container rootfs", next);
      parent.reset(fd);
      prefix = next;
    }
    if (!restarted) return parent;
  }
  return ErrnoErrorf(ELOOP, "create /{} in container rootfs", Relative(path));
}

absl::StatusOr<UniqueFd> CreateMountPoint(int root_fd, std::string_view path, bool directory) {
  std::string rel = Relative(path);
  if (directory || rel == ".") return MkdirAllInRoot(root_fd, rel, 0755);
  absl::StatusOr<UniqueFd> existing = OpenInRoot(root_fd, rel, O_PATH);
  if (existing.ok()) return existing;
  size_t slash = rel.rfind('/');
  std::string dir = slash == std::string::npos ? "." : rel.substr(0, slash);
  std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
  BERTH_ASSIGN_OR_RETURN(UniqueFd parent, MkdirAllInRoot(root_fd, dir, 0755));
  UniqueFd created(::openat(parent.get(), base.c_str(),
                            O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!created && errno != EEXIST) {
    return ErrnoErrorf(errno, "create mount point /{} in container rootfs", rel);
  }
  return OpenInRoot(root_fd, rel, O_PATH);
}

std::string ProcFdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace berth::runtime::linux

#include "containerd/core/diff/fs_at.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::diff {

absl::StatusOr<std::string> CleanEntryName(std::string_view name) {
  if (name.empty()) return InvalidArgumentf("empty name");
  if (name.find('\0') != std::string_view::npos) return InvalidArgumentf("name contains NUL");
  std::string clean = CleanPath(name);
  if (clean.front() == '/') {
    clean.erase(0, clean.find_first_not_of('/'));
    return clean.empty() ? std::string(".") : clean;
  }
  if (clean == ".." || clean.starts_with("../")) {
    return InvalidArgumentf("path {:?} escapes the root", std::string(name));
  }
  return clean;
}

std::pair<std::string, std::string> SplitParent(const std::string& rel) {
  size_t slash = rel.rfind('/');
  if (slash == std::string::npos) return {".", rel};
  return {rel.substr(0, slash), rel.substr(slash + 1)};
}

absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& rel, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd;
  do {
    fd = static_cast<int>(syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof(how)));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0) return ErrnoErrorf(errno, "open {} in root", rel);
  return UniqueFd(fd);
}

namespace {

std::string FdPath(int fd) {
  char buf[PATH_MAX];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buf, sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Where the dangling symlink `name` in `dir_fd` points, as a clean path
// relative to the root (whose ".." stop at the root, as in a chroot).
absl::StatusOr<std::string> SymlinkDestination(int root_fd, int dir_fd, const std::string& name) {
  char buf[PATH_MAX];
  ssize_t n = readlinkat(dir_fd, name.c_str(), buf, sizeof(buf));
  if (n < 0) return ErrnoErrorf(errno, "readlink {}", name);
  std::string target(buf, static_cast<size_t>(n));
  if (target.front() != '/') {
    std::string root_path = FdPath(root_fd);
    std::string dir_path = FdPath(dir_fd);
    if (root_path.empty() || !dir_path.starts_with(root_path)) {
      return FailedPreconditionf("cannot place symlink {} under the root", name);
    }
    target = dir_path.substr(root_path.size()) + "/" + target;
  }
  std::string clean = CleanPath("/" + target);
  clean.erase(0, clean.find_first_not_of('/'));
  return clean.empty() ? std::string(".") : clean;
}

absl::StatusOr<UniqueFd> MkdirAllInRootDepth(int root_fd, const std::string& rel, int depth) {
  // The kernel's own limit on symlinks followed in one lookup.
  if (depth > 40) return ErrnoErrorf(ELOOP, "mkdir {} in root", rel);
  BERTH_ASSIGN_OR_RETURN(UniqueFd current, OpenInRoot(root_fd, ".", O_PATH | O_DIRECTORY));
  if (rel == ".") return current;
  std::string prefix;
  for (std::string_view part : Split(rel, '/', true)) {
    std::string component(part);
    prefix = prefix.empty() ? component : prefix + "/" + component;
    absl::StatusOr<UniqueFd> next = OpenInRoot(root_fd, prefix, O_PATH | O_DIRECTORY);
    if (!next.ok() && ErrnoOf(next.status()) == ENOENT) {
      if (mkdirat(current.get(), component.c_str(), 0755) != 0) {
        if (errno != EEXIST) return ErrnoErrorf(errno, "mkdir {} in root", prefix);
        // A dangling symlink (to a directory that is not there yet): create
        // what it points at, inside the root, as containerd does.
        struct stat st;
        if (fstatat(current.get(), component.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
          BERTH_ASSIGN_OR_RETURN(std::string dest,
                                 SymlinkDestination(root_fd, current.get(), component));
          BERTH_RETURN_IF_ERROR(MkdirAllInRootDepth(root_fd, dest, depth + 1).status());
        }
      }
      next = OpenInRoot(root_fd, prefix, O_PATH | O_DIRECTORY);
    }
    if (!next.ok()) return next.status();
    current = std::move(next).value();
  }
  return current;
}

}  // namespace

absl::StatusOr<UniqueFd> MkdirAllInRoot(int root_fd, const std::string& rel) {
  return MkdirAllInRootDepth(root_fd, rel, 0);
}

absl::StatusOr<std::vector<std::string>> ListDir(int dir_fd) {
  int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return ErrnoErrorf(errno, "dup directory fd");
  if (lseek(fd, 0, SEEK_SET) < 0) {
    int err = errno;
    close(fd);
    return ErrnoErrorf(err, "rewind directory");
  }
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    close(fd);
    return ErrnoErrorf(err, "fdopendir");
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    struct dirent* entry = readdir(dir);
    if (entry == nullptr) break;
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  int err = errno;
  closedir(dir);
  if (err != 0) return ErrnoErrorf(err, "readdir");
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status RemoveAllAt(int dir_fd, const std::string& name) {
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoErrorf(errno, "stat {}", name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoErrorf(errno, "unlink {}", name);
    }
    return absl::OkStatus();
  }
  int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", name);
  UniqueFd child(fd);
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(child.get()));
  for (const std::string& entry : names) {
    BERTH_RETURN_IF_ERROR(WithContext(RemoveAllAt(child.get(), entry), name));
  }
  if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return ErrnoErrorf(errno, "rmdir {}", name);
  }
  return absl::OkStatus();
}

std::string ProcPathAt(int dir_fd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name;
}

}  // namespace berth::containerd::diff

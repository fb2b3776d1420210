#include "cli/archive/fs_at.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/status.h"

namespace berth::cli::archive {

absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& rel, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd;
  do {
    fd = static_cast<int>(syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof(how)));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0) return ErrnoErrorf(errno, "open {}", rel);
  return UniqueFd(fd);
}

absl::StatusOr<UniqueFd> MkdirAllInRoot(int root_fd, const std::string& rel) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir, OpenInRoot(root_fd, ".", O_PATH | O_DIRECTORY));
  if (rel == "." || rel.empty()) return dir;
  std::string prefix;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    std::string comp =
        rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    start = slash == std::string::npos ? rel.size() + 1 : slash + 1;
    if (comp.empty()) continue;
    prefix += (prefix.empty() ? "" : "/") + comp;
    absl::StatusOr<UniqueFd> next = OpenInRoot(root_fd, prefix, O_PATH | O_DIRECTORY);
    if (!next.ok() && absl::IsNotFound(next.status())) {
      if (mkdirat(dir.get(), comp.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoErrorf(errno, "mkdir {}", prefix);
      }
      next = OpenInRoot(root_fd, prefix, O_PATH | O_DIRECTORY);
    }
    if (!next.ok()) return next.status();
    dir = std::move(*next);
  }
  return dir;
}

absl::Status RemoveAllAt(int dir_fd, const std::string& name) {
  if (unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT) return absl::OkStatus();
  if (errno != EISDIR) return ErrnoErrorf(errno, "remove {}", name);
  int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", name);
  UniqueFd sub(fd);
  DIR* d = fdopendir(fcntl(sub.get(), F_DUPFD_CLOEXEC, 0));
  if (d == nullptr) return ErrnoErrorf(errno, "open {}", name);
  std::vector<std::string> children;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") children.push_back(n);
  }
  closedir(d);
  for (const std::string& c : children) BERTH_RETURN_IF_ERROR(RemoveAllAt(sub.get(), c));
  if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return ErrnoErrorf(errno, "remove {}", name);
  }
  return absl::OkStatus();
}

std::pair<std::string, std::string> SplitParent(const std::string& rel) {
  size_t slash = rel.rfind('/');
  if (slash == std::string::npos) return {".", rel};
  return {rel.substr(0, slash), rel.substr(slash + 1)};
}

}  // namespace berth::cli::archive

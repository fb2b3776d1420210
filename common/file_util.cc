#include "common/file_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth {
namespace {

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "write {}", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadAll(int fd, const std::string& path) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read {}", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

absl::Status RemoveAllAt(int parent_fd, const std::string& name, const std::string& display,
                         dev_t root_dev) {
  struct stat st;
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoErrorf(errno, "stat {}", display);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name.c_str(), 0) < 0 && errno != ENOENT) {
      return ErrnoErrorf(errno, "unlink {}", display);
    }
    return absl::OkStatus();
  }
  if (st.st_dev != root_dev) {
    return FailedPreconditionf("remove {}: a different filesystem is mounted there", display);
  }
  UniqueFd dir(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return ErrnoErrorf(errno, "open {}", display);
  std::vector<std::string> entries;
  {
    int dup_fd = ::fcntl(dir.get(), F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) return ErrnoErrorf(errno, "dup {}", display);
    DIR* d = ::fdopendir(dup_fd);
    if (d == nullptr) {
      ::close(dup_fd);
      return ErrnoErrorf(errno, "opendir {}", display);
    }
    while (struct dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      entries.emplace_back(n);
    }
    ::closedir(d);
  }
  for (const std::string& entry : entries) {
    BERTH_RETURN_IF_ERROR(RemoveAllAt(dir.get(), entry, display + "/" + entry, root_dev));
  }
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) {
    return ErrnoErrorf(errno, "rmdir {}", display);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) { return ReadFileAt(AT_FDCWD, path); }

absl::StatusOr<std::string> ReadFileAt(int dir_fd, const std::string& path) {
  UniqueFd fd(::openat(dir_fd, path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "open {}", path);
  return ReadAll(fd.get(), path);
}

absl::Status WriteExistingFile(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "open {}", path);
  ssize_t n;
  do {
    n = ::write(fd.get(), data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "write {} to {}", data, path);
  if (static_cast<size_t>(n) != data.size()) {
    return Internalf("write {} to {}: short write ({} of {} bytes)", data, path, n, data.size());
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, std::string_view data, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return ErrnoErrorf(errno, "create {}", path);
  return WriteAll(fd.get(), data, path);
}

absl::Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode,
                             Durability durability) {
  bool durable = durability == Durability::kDurable;
  std::string dir = ".";
  if (size_t slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  std::string tmp = path + ".tmp-XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "create temp file for {}", path);
  bool renamed = false;
  auto remove_tmp = [&] {
    if (!renamed) ::unlink(tmp.c_str());
  };
  absl::Status status = WriteAll(fd.get(), data, tmp);
  if (status.ok() && ::fchmod(fd.get(), mode) < 0) status = ErrnoErrorf(errno, "chmod {}", tmp);
  if (status.ok() && durable && ::fsync(fd.get()) < 0) status = ErrnoErrorf(errno, "fsync {}", tmp);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) < 0) {
    status = ErrnoErrorf(errno, "rename {} to {}", tmp, path);
  } else if (status.ok()) {
    renamed = true;
  }
  remove_tmp();
  if (!status.ok() || !durable) return status;
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return ErrnoErrorf(errno, "open {}", dir);
  if (::fsync(dir_fd.get()) < 0) return ErrnoErrorf(errno, "fsync {}", dir);
  return absl::OkStatus();
}

absl::Status MkdirAll(const std::string& path, mode_t mode) {
  if (path.empty()) return InvalidArgumentf("mkdir: empty path");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return ErrnoErrorf(ENOTDIR, "mkdir {}", path);
  }
  std::string current = path[0] == '/' ? "" : ".";
  for (std::string_view part : Split(path, '/', true)) {
    current += "/";
    current += part;
    if (::mkdir(current.c_str(), mode) < 0 && errno != EEXIST) {
      return ErrnoErrorf(errno, "mkdir {}", current);
    }
  }
  if (::stat(path.c_str(), &st) < 0) return ErrnoErrorf(errno, "stat {}", path);
  if (!S_ISDIR(st.st_mode)) return ErrnoErrorf(ENOTDIR, "mkdir {}", path);
  return absl::OkStatus();
}

absl::Status RemoveAll(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoErrorf(errno, "stat {}", path);
  }
  return RemoveAllAt(AT_FDCWD, path, path, st.st_dev);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (out != "/") out += '/';
  out += b;
  return out;
}

std::string CleanPath(std::string_view path) {
  if (path.empty()) return ".";
  bool absolute = path.front() == '/';
  std::vector<std::string_view> parts;
  for (std::string_view part : Split(path, '/', true)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  if (out.empty()) return ".";
  return out;
}

absl::Status SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return ErrnoErrorf(errno, "set O_NONBLOCK on fd {}", fd);
  }
  return absl::OkStatus();
}

}  // namespace berth

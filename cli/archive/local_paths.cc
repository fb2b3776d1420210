#include "cli/archive/local_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "common/file_util.h"
#include "common/status.h"

namespace berth::cli::archive {
namespace {

absl::StatusOr<std::string> EvalSymlinks(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.empty() ? "." : path.c_str(), buf) == nullptr) {
    return GoErrno(errno, "lstat " + CleanPath(path.empty() ? "." : path));
  }
  return std::string(buf);
}

}  // namespace

absl::Status GoErrno(int errno_value, const std::string& what) {
  std::string text = std::strerror(errno_value);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return absl::Status(ErrnoStatus(errno_value, what).code(), what + ": " + text);
}

absl::Status ValidateOutputPath(const std::string& path) {
  std::string dir = PathDir(CleanPath(path));
  struct stat st;
  if (dir != "." && stat(dir.c_str(), &st) != 0 && errno == ENOENT) {
    return InvalidArgumentf("invalid output path: directory {:?} does not exist", dir);
  }
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return GoErrno(errno, "stat " + path);
  }
  if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) return absl::OkStatus();
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    return InvalidArgumentf(
        "invalid output path: {:?} must be a directory or a regular file: "
        "got a device",
        path);
  }
  return absl::OkStatus();
}

absl::StatusOr<CopyInfo> CopyInfoSourcePath(const std::string& path, bool follow_link) {
  CopyInfo info;
  if (follow_link) {
    BERTH_ASSIGN_OR_RETURN(std::string resolved, EvalSymlinks(path));
    std::tie(info.path, info.rebase_name) = GetRebaseName(path, resolved);
  } else {
    size_t slash = path.rfind('/');
    std::string dir = path.substr(0, slash + 1);
    std::string base = path.substr(slash + 1);
    BERTH_ASSIGN_OR_RETURN(std::string resolved_dir, EvalSymlinks(dir));
    info.path = (resolved_dir == "/" ? "" : resolved_dir) + "/" + base;
    if (path.ends_with("/") && PathBase(path) != PathBase(info.path)) {
      info.rebase_name = PathBase(path);
    }
  }
  struct stat st;
  if (lstat(info.path.c_str(), &st) != 0) return GoErrno(errno, "lstat " + info.path);
  info.exists = true;
  info.is_dir = S_ISDIR(st.st_mode);
  return info;
}

absl::StatusOr<CopyInfo> CopyInfoDestinationPath(const std::string& original) {
  std::string path = original;
  struct stat st;
  int rc = lstat(path.c_str(), &st);
  for (int n = 0; rc == 0 && S_ISLNK(st.st_mode); ++n) {
    if (n > 10) return InvalidArgumentf("too many symlinks in {}", original);
    char buf[PATH_MAX];
    ssize_t len = readlink(path.c_str(), buf, sizeof(buf));
    if (len < 0) return GoErrno(errno, "readlink " + path);
    std::string target(buf, static_cast<size_t>(len));
    if (!target.starts_with("/")) target = CleanPath(SplitPathDirEntry(path).first + "/" + target);
    path = target;
    rc = lstat(path.c_str(), &st);
  }
  if (rc != 0) {
    if (errno != ENOENT) return GoErrno(errno, "lstat " + path);
    std::string parent = SplitPathDirEntry(path).first;
    struct stat pst;
    if (stat(parent.c_str(), &pst) != 0) return GoErrno(errno, "stat " + parent);
    if (!S_ISDIR(pst.st_mode)) return InvalidArgumentf("not a directory");
    return CopyInfo{path, false, false, ""};
  }
  return CopyInfo{path, true, S_ISDIR(st.st_mode), ""};
}

}  // namespace berth::cli::archive

#include "runtime/cgroups/cgroup_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <thread>

#include "absl/strings/cord.h"
#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::runtime::cgroups {
namespace {

WriteObserver& Observer() {
  static WriteObserver* observer = new WriteObserver();
  return *observer;
}

std::string FilePath(const std::string& dir, std::string_view file) { return JoinPath(dir, file); }

// Names of the child directories of `dir` (cgroups below it).
absl::StatusOr<std::vector<std::string>> ChildDirs(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return CgroupErrno(errno, fmt::format("open {}", dir));
  std::vector<std::string> out;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      std::string path = FilePath(dir, name);
      is_dir = ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) out.emplace_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Appends `dir`'s descendants, deepest first, then `dir` itself.
absl::Status PostOrder(const std::string& dir, std::vector<std::string>* out) {
  absl::StatusOr<std::vector<std::string>> children = ChildDirs(dir);
  if (!children.ok()) {
    if (ErrnoOf(children.status()) == ENOENT) return absl::OkStatus();
    return children.status();
  }
  for (const std::string& child : *children) {
    BERTH_RETURN_IF_ERROR(PostOrder(FilePath(dir, child), out));
  }
  out->push_back(dir);
  return absl::OkStatus();
}

// One rmdir, retried while the kernel reports EBUSY and time remains.
absl::Status RmdirWithRetry(const std::string& dir,
                            std::chrono::steady_clock::time_point deadline) {
  auto delay = std::chrono::milliseconds(5);
  for (;;) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
    int err = errno;
    if (err != EBUSY || std::chrono::steady_clock::now() + delay > deadline) {
      return CgroupErrno(err, fmt::format("rmdir {}", dir));
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(100));
  }
}

}  // namespace

absl::Status CgroupErrno(int errno_value, std::string_view what) {
  absl::Status base = ErrnoStatus(errno_value, what);
  std::string text = std::strerror(errno_value);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  absl::Status out(base.code(), fmt::format("{}: {}", what, text));
  base.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

void SetWriteObserverForTesting(WriteObserver observer) { Observer() = std::move(observer); }

absl::Status WriteCgroupFile(const std::string& dir, std::string_view file,
                             std::string_view value) {
  std::string path = FilePath(dir, file);
  if (Observer()) Observer()(path, value);
  auto fail = [&](int err) {
    return CgroupErrno(err, fmt::format("write \"{}\" to {}", value, path));
  };
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) return fail(errno);
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail(errno);
  if (static_cast<size_t>(n) != value.size()) return fail(EIO);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadCgroupFile(const std::string& dir, std::string_view file) {
  std::string path = FilePath(dir, file);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return CgroupErrno(errno, fmt::format("read {}", path));
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return CgroupErrno(errno, fmt::format("read {}", path));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool CgroupFileExists(const std::string& dir, std::string_view file) {
  struct stat st;
  return ::stat(FilePath(dir, file).c_str(), &st) == 0;
}

absl::StatusOr<uint64_t> ReadCgroupUint(const std::string& dir, std::string_view file) {
  BERTH_ASSIGN_OR_RETURN(std::string content, ReadCgroupFile(dir, file));
  std::string_view value = TrimSpace(content);
  if (value == "max") return std::numeric_limits<uint64_t>::max();
  std::optional<uint64_t> parsed = ParseUint64(value);
  if (!parsed) {
    // v1 reports "unlimited" as -1 in a few files (cpu.cfs_quota_us).
    std::optional<int64_t> negative = ParseInt64(value);
    if (negative && *negative < 0) return std::numeric_limits<uint64_t>::max();
    return InvalidArgumentf("parse {}: expected a number, got \"{}\"", FilePath(dir, file), value);
  }
  return *parsed;
}

std::map<std::string, uint64_t> ParseKeyedUints(std::string_view content) {
  std::map<std::string, uint64_t> out;
  for (std::string_view line : Split(content, '\n', true)) {
    std::vector<std::string_view> fields = Split(TrimSpace(line), ' ', true);
    if (fields.size() != 2) continue;
    std::optional<uint64_t> value = ParseUint64(fields[1]);
    if (value) out[std::string(fields[0])] = *value;
  }
  return out;
}

absl::StatusOr<std::map<std::string, uint64_t>> ReadKeyedUints(const std::string& dir,
                                                               std::string_view file) {
  BERTH_ASSIGN_OR_RETURN(std::string content, ReadCgroupFile(dir, file));
  return ParseKeyedUints(content);
}

absl::StatusOr<std::optional<std::string>> ReadCgroupFileIfExists(const std::string& dir,
                                                                  std::string_view file) {
  absl::StatusOr<std::string> content = ReadCgroupFile(dir, file);
  if (content.ok()) return std::optional<std::string>(std::move(*content));
  if (ErrnoOf(content.status()) == ENOENT) return std::optional<std::string>();
  return content.status();
}

absl::Status ReadUintIfExists(const std::string& dir, std::string_view file, uint64_t* out) {
  absl::StatusOr<uint64_t> value = ReadCgroupUint(dir, file);
  if (value.ok()) {
    *out = *value;
    return absl::OkStatus();
  }
  if (ErrnoOf(value.status()) == ENOENT) return absl::OkStatus();
  return value.status();
}

absl::StatusOr<std::map<std::string, uint64_t>> ReadKeyedUintsIfExists(const std::string& dir,
                                                                       std::string_view file) {
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> content, ReadCgroupFileIfExists(dir, file));
  if (!content) return std::map<std::string, uint64_t>();
  return ParseKeyedUints(*content);
}

absl::StatusOr<std::vector<uint64_t>> ReadUintList(const std::string& dir, std::string_view file) {
  BERTH_ASSIGN_OR_RETURN(std::string content, ReadCgroupFile(dir, file));
  std::vector<uint64_t> out;
  for (const std::string& word : SplitWords(content)) {
    std::optional<uint64_t> value = ParseUint64(word);
    if (!value) {
      return InvalidArgumentf("parse {}: \"{}\" is not a number", FilePath(dir, file), word);
    }
    out.push_back(*value);
  }
  return out;
}

std::vector<std::string> SplitWords(std::string_view content) {
  std::vector<std::string> out;
  std::string current;
  for (char c : content) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

absl::StatusOr<std::vector<pid_t>> ReadProcsRecursive(const std::string& dir) {
  std::vector<std::string> dirs;
  BERTH_RETURN_IF_ERROR(PostOrder(dir, &dirs));
  std::vector<pid_t> out;
  for (const std::string& d : dirs) {
    absl::StatusOr<std::string> content = ReadCgroupFile(d, "cgroup.procs");
    if (!content.ok()) {
      if (ErrnoOf(content.status()) == ENOENT) continue;  // removed meanwhile
      return content.status();
    }
    for (const std::string& word : SplitWords(*content)) {
      std::optional<int64_t> pid = ParseInt64(word);
      if (pid && *pid > 0) out.push_back(static_cast<pid_t>(*pid));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::Status RemoveCgroupTree(const std::string& dir, std::chrono::milliseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  std::vector<std::string> dirs;
  BERTH_RETURN_IF_ERROR(PostOrder(dir, &dirs));
  for (const std::string& d : dirs) {
    BERTH_RETURN_IF_ERROR(RmdirWithRetry(d, deadline));
  }
  return absl::OkStatus();
}

absl::Status MkdirAllRecorded(const std::string& path, std::vector<std::string>* created) {
  if (path.empty() || path[0] != '/') {
    return InvalidArgumentf("create cgroup {}: not an absolute path", path);
  }
  std::string current;
  for (std::string_view part : Split(path, '/', true)) {
    current += "/";
    current += part;
    if (::mkdir(current.c_str(), 0755) == 0) {
      created->push_back(current);
      continue;
    }
    if (errno != EEXIST) return CgroupErrno(errno, fmt::format("mkdir {}", current));
    struct stat st;
    if (::stat(current.c_str(), &st) < 0)
      return CgroupErrno(errno, fmt::format("stat {}", current));
    if (!S_ISDIR(st.st_mode)) return CgroupErrno(ENOTDIR, fmt::format("mkdir {}", current));
  }
  return absl::OkStatus();
}

void RemoveDirsBestEffort(const std::vector<std::string>& dirs) {
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
}

std::vector<std::string> DirChain(const std::string& mount, const std::string& dir) {
  std::vector<std::string> chain = {mount};
  if (dir.size() <= mount.size()) return chain;
  std::string current = mount;
  for (std::string_view part : Split(std::string_view(dir).substr(mount.size()), '/', true)) {
    current = JoinPath(current, part);
    chain.push_back(current);
  }
  return chain;
}

}  // namespace berth::runtime::cgroups

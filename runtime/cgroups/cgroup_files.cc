#include "runtime/cgroups/cgroup_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <limits>
#include <thread>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::runtime::cgroups {
namespace {

std::vector<std::string> ChildDirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR) continue;
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    out.push_back(dir + "/" + std::string(name));
  }
  ::closedir(d);
  return out;
}

}  // namespace

absl::Status WriteCgroupFile(const std::string& dir, const std::string& file,
                             const std::string& value) {
  std::string path = dir + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "write {:?} to {}", value, path);
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "write {:?} to {}", value, path);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadCgroupFile(const std::string& dir, const std::string& file) {
  return ReadFile(dir + "/" + file);
}

absl::StatusOr<uint64_t> ReadCgroupUint(const std::string& dir, const std::string& file) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadCgroupFile(dir, file));
  std::string_view v = TrimSpace(text);
  if (v == "max") return std::numeric_limits<uint64_t>::max();
  std::optional<uint64_t> n = ParseUint64(v);
  if (!n) {
    // v1 reports "unlimited" as a huge signed value, or -1 for some knobs.
    if (std::optional<int64_t> s = ParseInt64(v); s && *s < 0) {
      return std::numeric_limits<uint64_t>::max();
    }
    return Internalf("{}/{}: not a number: {:?}", dir, file, v);
  }
  return *n;
}

absl::StatusOr<std::map<std::string, uint64_t>> ReadFlatKeyed(const std::string& dir,
                                                              const std::string& file) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadCgroupFile(dir, file));
  std::map<std::string, uint64_t> out;
  for (std::string_view line : Split(text, '\n', true)) {
    auto [key, value] = SplitOnce(line, ' ');
    if (!value) continue;
    if (std::optional<uint64_t> n = ParseUint64(TrimSpace(*value))) out[std::string(key)] = *n;
  }
  return out;
}

bool CgroupFileExists(const std::string& dir, const std::string& file) {
  return ::access((dir + "/" + file).c_str(), F_OK) == 0;
}

absl::StatusOr<std::vector<pid_t>> ReadPidsRecursive(const std::string& dir) {
  std::vector<pid_t> pids;
  absl::StatusOr<std::string> text = ReadCgroupFile(dir, "cgroup.procs");
  if (!text.ok()) {
    if (ErrnoOf(text.status()) == ENOENT) return pids;
    return text.status();
  }
  for (std::string_view line : Split(*text, '\n', true)) {
    if (std::optional<int64_t> pid = ParseInt64(TrimSpace(line))) pids.push_back(static_cast<pid_t>(*pid));
  }
  for (const std::string& child : ChildDirs(dir)) {
    BERTH_ASSIGN_OR_RETURN(std::vector<pid_t> more, ReadPidsRecursive(child));
    pids.insert(pids.end(), more.begin(), more.end());
  }
  return pids;
}

absl::Status RemoveCgroupDir(const std::string& dir) {
  for (const std::string& child : ChildDirs(dir)) BERTH_RETURN_IF_ERROR(RemoveCgroupDir(child));
  // Tasks that just got SIGKILL leave the cgroup a moment later.
  auto delay = std::chrono::milliseconds(1);
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
    if (errno != EBUSY || attempt >= 12) return ErrnoErrorf(errno, "remove cgroup {}", dir);
    log::Debugf("remove cgroup {}: busy, retrying", dir);
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(200));
  }
}

absl::Status MakeCgroupDir(const std::string& dir) {
  return WithContext(MkdirAll(dir, 0755), "create cgroup");
}

}  // namespace berth::runtime::cgroups

// What /proc says about this process: open fds, OOM score, cgroups, mounts.
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "tests/probe/json_out.h"
#include "tests/probe/probe.h"

namespace berth::probe {
namespace {

int PrintLines(const char* path) {
  std::optional<std::string> text = ReadWholeFile(path);
  if (!text) return Failure(std::string("read ") + path + ": " + strerror(errno));
  return Print(Object().Strs("lines", SplitLines(*text)));
}

}  // namespace

int CmdFds(const Args&) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return Failure(std::string("opendir /proc/self/fd: ") + strerror(errno));
  int listing_fd = dirfd(dir);
  std::vector<std::pair<int, std::string>> fds;
  while (struct dirent* e = readdir(dir)) {
    std::optional<int64_t> fd = ParseInt(e->d_name);
    if (!fd || *fd == listing_fd) continue;
    std::string path = std::string("/proc/self/fd/") + e->d_name;
    char target[PATH_MAX];
    ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    fds.emplace_back(static_cast<int>(*fd),
                     n >= 0 ? std::string(target, static_cast<size_t>(n)) : std::string());
  }
  closedir(dir);
  std::sort(fds.begin(), fds.end());
  Array list;
  for (const auto& [fd, target] : fds) list.Obj(Object().Int("fd", fd).Str("target", target));
  return Print(Object().Arr("fds", list));
}

int CmdOom(const Args&) {
  std::optional<std::string> text = ReadWholeFile("/proc/self/oom_score_adj");
  if (!text) return Failure(std::string("read /proc/self/oom_score_adj: ") + strerror(errno));
  std::optional<int64_t> value = ParseInt(*text);
  if (!value) return Failure("oom_score_adj: not a number: " + *text);
  return Print(Object().Int("oom_score_adj", *value));
}

int CmdCgroup(const Args&) { return PrintLines("/proc/self/cgroup"); }

int CmdMountinfo(const Args&) { return PrintLines("/proc/self/mountinfo"); }

}  // namespace berth::probe

#include "runtime/cgroups/v2_manager.h"

#include <errno.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/stats_files.h"
#include "runtime/cgroups/v2_tree.h"

namespace berth::runtime::cgroups {
namespace {

// Everything a container may be limited by; each level enables what it has.
const std::vector<std::string> kControllers = {"cpu",    "cpuset", "io",  "memory",
                                               "pids",   "hugetlb", "rdma", "misc"};
constexpr auto kFreezeTimeout = std::chrono::seconds(10);

}  // namespace

absl::Status V2Manager::Create() {
  BERTH_RETURN_IF_ERROR(MakeCgroupDir(dir_));
  return EnableControllers(mount_, dir_, kControllers);
}

absl::Status V2Manager::AddProcess(pid_t pid) {
  return WriteCgroupFile(dir_, "cgroup.procs", std::to_string(pid));
}

absl::StatusOr<FreezerState> V2Manager::GetFreezerState() {
  absl::StatusOr<std::string> requested = ReadCgroupFile(dir_, "cgroup.freeze");
  if (!requested.ok()) {
    if (ErrnoOf(requested.status()) == ENOENT) return FreezerState::kThawed;
    return requested.status();
  }
  if (TrimSpace(*requested) != "1") return FreezerState::kThawed;
  BERTH_ASSIGN_OR_RETURN(auto events, ReadFlatKeyed(dir_, "cgroup.events"));
  return events["frozen"] == 1 ? FreezerState::kFrozen : FreezerState::kFreezing;
}

absl::Status V2Manager::SetFrozen(bool frozen) {
  BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "cgroup.freeze", frozen ? "1" : "0"));
  auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
  auto delay = std::chrono::microseconds(100);
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(auto events, ReadFlatKeyed(dir_, "cgroup.events"));
    if ((events["frozen"] == 1) == frozen) return absl::OkStatus();
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          fmt::format("{} {}: cgroup.events did not report it after 10 s",
                      frozen ? "freeze" : "thaw", dir_));
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::microseconds(50000));
  }
}

absl::Status V2Manager::Freeze() { return SetFrozen(true); }
absl::Status V2Manager::Thaw() {
  if (!CgroupFileExists(dir_, "cgroup.freeze")) return absl::OkStatus();
  return SetFrozen(false);
}

absl::StatusOr<std::vector<pid_t>> V2Manager::Pids() { return ReadPidsRecursive(dir_); }

absl::Status V2Manager::SignalAll(int signal) {
  // cgroup.kill takes the whole subtree atomically, forks included.
  if (signal == SIGKILL && CgroupFileExists(dir_, "cgroup.kill")) {
    return WriteCgroupFile(dir_, "cgroup.kill", "1");
  }
  bool frozen = Freeze().ok();
  absl::StatusOr<std::vector<pid_t>> pids = Pids();
  if (pids.ok()) {
    for (pid_t pid : *pids) ::kill(pid, signal);
  }
  if (frozen) BERTH_RETURN_IF_ERROR(Thaw());
  return pids.status();
}

absl::Status V2Manager::Destroy() { return RemoveCgroupDir(dir_); }

absl::StatusOr<Stats> V2Manager::GetStats() {
  Stats stats;
  if (auto cpu = ReadFlatKeyed(dir_, "cpu.stat"); cpu.ok()) {
    auto& c = *cpu;
    stats.cpu.total_usage = c["usage_usec"] * 1000;
    stats.cpu.user = c["user_usec"] * 1000;
    stats.cpu.kernel = c["system_usec"] * 1000;
    stats.cpu.periods = c["nr_periods"];
    stats.cpu.throttled_periods = c["nr_throttled"];
    stats.cpu.throttled_time = c["throttled_usec"] * 1000;
  }
  if (CgroupFileExists(dir_, "memory.current")) {
    MemoryStats& m = stats.memory;
    m.usage.usage = ReadCgroupUint(dir_, "memory.current").value_or(0);
    m.usage.max = ReadCgroupUint(dir_, "memory.peak").value_or(0);
    m.usage.limit = ReadCgroupUint(dir_, "memory.max").value_or(0);
    m.swap.usage = ReadCgroupUint(dir_, "memory.swap.current").value_or(0);
    m.swap.limit = ReadCgroupUint(dir_, "memory.swap.max").value_or(0);
    if (auto raw = ReadFlatKeyed(dir_, "memory.stat"); raw.ok()) {
      m.raw = *raw;
      m.cache = m.raw.count("file") ? m.raw["file"] : 0;
    }
    if (auto events = ReadFlatKeyed(dir_, "memory.events"); events.ok()) {
      m.usage.failcnt = (*events)["max"];
      m.oom_kills = (*events)["oom_kill"];
    }
  }
  if (CgroupFileExists(dir_, "pids.current")) {
    stats.pids.current = ReadCgroupUint(dir_, "pids.current").value_or(0);
    uint64_t max = ReadCgroupUint(dir_, "pids.max").value_or(0);
    stats.pids.limit = max == UINT64_MAX ? 0 : max;
  }
  ReadIoStatV2(dir_, &stats.blkio);
  for (const std::string& size : HugePageSizes()) {
    if (CgroupFileExists(dir_, "hugetlb." + size + ".current")) {
      stats.hugetlb[size] = ReadHugetlbV2(dir_, size);
    }
  }
  return stats;
}

}  // namespace berth::runtime::cgroups

#include "runtime/cgroups/v1_manager.h"

#include <errno.h>
#include <signal.h>

#include <chrono>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/v2_tree.h"

namespace berth::runtime::cgroups {
namespace {

constexpr auto kFreezeTimeout = std::chrono::seconds(10);

}  // namespace

V1Manager::V1Manager(Mode mode, std::map<std::string, std::string> dirs, std::string unified_dir,
                     std::vector<std::string> unified_controllers, std::string unified_mount)
    : mode_(mode),
      dirs_(std::move(dirs)),
      unified_dir_(std::move(unified_dir)),
      unified_controllers_(std::move(unified_controllers)),
      unified_mount_(std::move(unified_mount)) {}

std::string V1Manager::Dir(const std::string& controller) const {
  auto it = dirs_.find(controller);
  return it == dirs_.end() ? "" : it->second;
}

absl::Status V1Manager::InitCpuset(const std::string& dir) {
  // A new cpuset cgroup starts with no cpus and no mems, and nobody can join
  // it like that: copy them down from the nearest ancestor that has them.
  std::vector<std::string> chain;
  for (std::string d = dir; d.size() > 1; d = d.substr(0, d.rfind('/'))) {
    chain.push_back(d);
    if (!CgroupFileExists(d.substr(0, d.rfind('/')), "cpuset.cpus")) break;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    std::string parent = it->substr(0, it->rfind('/'));
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      absl::StatusOr<std::string> mine = ReadCgroupFile(*it, file);
      if (!mine.ok() || !TrimSpace(*mine).empty()) continue;
      BERTH_ASSIGN_OR_RETURN(std::string from_parent, ReadCgroupFile(parent, file));
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(*it, file, std::string(TrimSpace(from_parent))));
    }
  }
  return absl::OkStatus();
}

absl::Status V1Manager::Create() {
  std::set<std::string> done;
  for (const auto& [controller, dir] : dirs_) {
    if (!done.insert(dir).second) continue;
    BERTH_RETURN_IF_ERROR(MakeCgroupDir(dir));
  }
  if (std::string cpuset = Dir("cpuset"); !cpuset.empty()) BERTH_RETURN_IF_ERROR(InitCpuset(cpuset));
  if (!unified_dir_.empty()) {
    // The cgroup2 side of a hybrid host may be read-only or delegated
    // elsewhere; the container works without it unless hugetlb needs it.
    (void)MakeCgroupDir(unified_dir_);
  }
  return absl::OkStatus();
}

absl::Status V1Manager::AddProcess(pid_t pid) {
  std::set<std::string> done;
  std::string value = std::to_string(pid);
  for (const auto& [controller, dir] : dirs_) {
    if (!done.insert(dir).second) continue;
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cgroup.procs", value));
  }
  if (!unified_dir_.empty() && PathExists(unified_dir_)) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(unified_dir_, "cgroup.procs", value));
  }
  return absl::OkStatus();
}

absl::StatusOr<FreezerState> V1Manager::GetFreezerState() {
  std::string dir = Dir("freezer");
  if (dir.empty()) return FreezerState::kThawed;
  absl::StatusOr<std::string> state = ReadCgroupFile(dir, "freezer.state");
  if (!state.ok()) {
    if (ErrnoOf(state.status()) == ENOENT) return FreezerState::kThawed;
    return state.status();
  }
  std::string_view s = TrimSpace(*state);
  if (s == "FROZEN") return FreezerState::kFrozen;
  if (s == "FREEZING") return FreezerState::kFreezing;
  return FreezerState::kThawed;
}

absl::Status V1Manager::Freeze() {
  std::string dir = Dir("freezer");
  if (dir.empty()) return FailedPreconditionf("the freezer cgroup controller is not mounted");
  auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
  auto delay = std::chrono::microseconds(100);
  for (;;) {
    // Rewriting FROZEN retries tasks that were busy on the last attempt.
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "freezer.state", "FROZEN"));
    BERTH_ASSIGN_OR_RETURN(FreezerState state, GetFreezerState());
    if (state == FreezerState::kFrozen) return absl::OkStatus();
    if (std::chrono::steady_clock::now() > deadline) {
      (void)Thaw();
      return absl::DeadlineExceededError(fmt::format("freeze {}: still FREEZING after 10 s", dir));
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::microseconds(50000));
  }
}

absl::Status V1Manager::Thaw() {
  std::string dir = Dir("freezer");
  if (dir.empty()) return absl::OkStatus();
  return WriteCgroupFile(dir, "freezer.state", "THAWED");
}

absl::StatusOr<std::vector<pid_t>> V1Manager::Pids() {
  for (const char* controller : {"pids", "freezer", "memory", "cpu", "devices"}) {
    if (std::string dir = Dir(controller); !dir.empty()) return ReadPidsRecursive(dir);
  }
  if (!dirs_.empty()) return ReadPidsRecursive(dirs_.begin()->second);
  return std::vector<pid_t>{};
}

absl::Status V1Manager::SignalAll(int signal) {
  bool frozen = !Dir("freezer").empty() && Freeze().ok();
  absl::StatusOr<std::vector<pid_t>> pids = Pids();
  if (pids.ok()) {
    for (pid_t pid : *pids) ::kill(pid, signal);
  }
  if (frozen) BERTH_RETURN_IF_ERROR(Thaw());
  return pids.status();
}

absl::Status V1Manager::Destroy() {
  std::set<std::string> done;
  absl::Status first;
  for (const auto& [controller, dir] : dirs_) {
    if (!done.insert(dir).second) continue;
    absl::Status s = RemoveCgroupDir(dir);
    if (!s.ok() && first.ok()) first = s;
  }
  if (!unified_dir_.empty()) {
    absl::Status s = RemoveCgroupDir(unified_dir_);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

std::map<std::string, std::string> V1Manager::Paths() const {
  std::map<std::string, std::string> paths = dirs_;
  if (!unified_dir_.empty()) paths[""] = unified_dir_;
  return paths;
}

std::string V1Manager::OomEventSource() const {
  std::string dir = Dir("memory");
  return dir.empty() ? "" : dir + "/memory.oom_control";
}

}  // namespace berth::runtime::cgroups

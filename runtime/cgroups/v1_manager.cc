#include "runtime/cgroups/v1_manager.h"

#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_fs.h"
#include "runtime/cgroups/freezer.h"
#include "runtime/cgroups/resource_util.h"
#include "runtime/cgroups/v1_resources.h"
#include "runtime/cgroups/v1_stats.h"
#include "runtime/cgroups/v2_resources.h"
#include "runtime/cgroups/v2_stats.h"

namespace berth::runtime::cgroups {
namespace {

bool HasCpuControllerFields(const spec::Cpu& cpu) {
  return cpu.shares || cpu.quota || cpu.burst || cpu.period || cpu.realtime_runtime ||
         cpu.realtime_period || cpu.idle;
}

// Copies `file` from the parent when the new cgroup's copy is empty (new
// cpuset cgroups start with no cpus and no mems, and refuse tasks so).
absl::Status InheritCpusetFile(const std::string& parent, const std::string& child,
                               const char* file) {
  BERTH_ASSIGN_OR_RETURN(std::string current, ReadCgroupFile(child, file));
  if (!TrimSpace(current).empty()) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(std::string inherited, ReadCgroupFile(parent, file));
  return WriteCgroupFile(child, file, TrimSpace(inherited));
}

}  // namespace

V1Manager::V1Manager(Layout layout, std::map<std::string, std::string> dirs,
                     std::string unified_dir)
    : layout_(std::move(layout)), dirs_(std::move(dirs)), unified_dir_(std::move(unified_dir)) {}

std::string V1Manager::Dir(const std::string& controller) const {
  auto it = dirs_.find(controller);
  return it == dirs_.end() ? "" : it->second;
}

std::vector<std::string> V1Manager::UniqueDirs() const {
  std::set<std::string> unique;
  for (const auto& [controller, dir] : dirs_) unique.insert(dir);
  std::vector<std::string> out(unique.begin(), unique.end());
  if (!unified_dir_.empty()) out.push_back(unified_dir_);
  return out;
}

bool V1Manager::BestEffort(const std::string& dir) const {
  for (const auto& [controller, controller_dir] : dirs_) {
    if (controller_dir == dir && controller != kSystemdHierarchy) return false;
  }
  return dir != unified_dir_;
}

absl::StatusOr<std::string> V1Manager::RequireDir(const std::string& controller,
                                                  const std::string& what) const {
  std::string dir = Dir(controller);
  if (dir.empty()) {
    return FailedPreconditionf("{} requested but the {} cgroup controller is not mounted", what,
                               controller);
  }
  return dir;
}

bool V1Manager::UnifiedHas(const std::string& controller) const {
  return !unified_dir_.empty() && layout_.HasUnifiedController(controller);
}

absl::Status V1Manager::Create() {
  std::vector<std::string> created;
  absl::Cleanup rollback = [&created] { RemoveDirsBestEffort(created); };
  for (const std::string& dir : UniqueDirs()) {
    absl::Status status = MkdirAllRecorded(dir, &created);
    if (!status.ok() && BestEffort(dir)) {
      log::Warnf("create cgroup: {}", status);
      continue;
    }
    BERTH_RETURN_IF_ERROR(status);
  }
  BERTH_RETURN_IF_ERROR(InitCpuset());
  std::move(rollback).Cancel();
  return absl::OkStatus();
}

absl::Status V1Manager::InitCpuset() {
  std::string dir = Dir("cpuset");
  if (dir.empty()) return absl::OkStatus();
  std::vector<std::string> chain = DirChain(layout_.V1Mount("cpuset"), dir);
  for (size_t i = 1; i < chain.size(); ++i) {
    BERTH_RETURN_IF_ERROR(InheritCpusetFile(chain[i - 1], chain[i], "cpuset.cpus"));
    BERTH_RETURN_IF_ERROR(InheritCpusetFile(chain[i - 1], chain[i], "cpuset.mems"));
  }
  return absl::OkStatus();
}

absl::Status V1Manager::CheckUnifiedKeys(const std::map<std::string, std::string>& unified) const {
  if (unified.empty()) return absl::OkStatus();
  if (unified_dir_.empty()) {
    return InvalidArgumentf(
        "linux.resources.unified needs cgroup v2, but this host has only cgroup v1 hierarchies");
  }
  for (const auto& [key, value] : unified) {
    BERTH_RETURN_IF_ERROR(ValidateUnifiedKey(
        key, layout_.unified_controllers,
        fmt::format("{} (hybrid host: only controllers of the cgroup2 mount can be used)",
                    layout_.unified_mount)));
  }
  return absl::OkStatus();
}

absl::Status V1Manager::Apply(const spec::Resources& r) {
  BERTH_RETURN_IF_ERROR(ValidateV1Resources(r));
  BERTH_RETURN_IF_ERROR(CheckUnifiedKeys(r.unified));
  if (r.cpu && (!r.cpu->cpus.empty() || !r.cpu->mems.empty())) {
    BERTH_ASSIGN_OR_RETURN(std::string dir, RequireDir("cpuset", "cpu.cpus / cpu.mems"));
    BERTH_RETURN_IF_ERROR(ApplyV1Cpuset(dir, *r.cpu));
  }
  if (!r.devices.empty()) BERTH_RETURN_IF_ERROR(ApplyDevices(r.devices));
  if (r.memory) {
    BERTH_ASSIGN_OR_RETURN(std::string dir, RequireDir("memory", "memory limits"));
    BERTH_RETURN_IF_ERROR(ApplyV1Memory(dir, *r.memory));
  }
  if (r.cpu) BERTH_RETURN_IF_ERROR(ApplyCpu(*r.cpu));
  if (r.pids) {
    BERTH_ASSIGN_OR_RETURN(std::string dir, RequireDir("pids", "pids.limit"));
    BERTH_RETURN_IF_ERROR(ApplyV1Pids(dir, *r.pids));
  }
  if (r.block_io) {
    BERTH_ASSIGN_OR_RETURN(std::string dir, RequireDir("blkio", "blockIO limits"));
    BERTH_RETURN_IF_ERROR(ApplyV1BlockIo(dir, *r.block_io));
  }
  if (!r.hugepage_limits.empty()) BERTH_RETURN_IF_ERROR(ApplyHugetlb(r.hugepage_limits));
  if (r.network) BERTH_RETURN_IF_ERROR(ApplyNetwork(*r.network));
  if (!r.rdma.empty()) BERTH_RETURN_IF_ERROR(ApplyRdma(r.rdma));
  return ApplyUnified(r.unified);
}

absl::Status V1Manager::ApplyCpu(const spec::Cpu& cpu) {
  if (!HasCpuControllerFields(cpu)) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(std::string dir, RequireDir("cpu", "cpu limits"));
  return ApplyV1Cpu(dir, cpu);
}

absl::Status V1Manager::ApplyHugetlb(const std::vector<spec::HugepageLimit>& limits) {
  if (std::string dir = Dir("hugetlb"); !dir.empty()) {
    return ApplyV1Hugetlb(dir, limits, layout_.hugepage_sizes);
  }
  if (!UnifiedHas("hugetlb")) {
    return FailedPreconditionf(
        "hugepageLimits requested but the hugetlb controller is mounted neither as cgroup v1 nor "
        "on the cgroup2 mount");
  }
  BERTH_RETURN_IF_ERROR(EnableControllers(layout_.unified_mount, unified_dir_, {"hugetlb"}));
  return ApplyV2Hugetlb(unified_dir_, limits, layout_.hugepage_sizes);
}

// A limit that silently does nothing is worse than an error: like runc,
// asking for one without its controller fails the container.
absl::Status V1Manager::ApplyNetwork(const spec::Network& network) {
  if (network.class_id) {
    std::string dir = Dir("net_cls");
    if (dir.empty()) {
      return FailedPreconditionf(
          "network.classID requested but the net_cls cgroup controller is not mounted");
    }
    BERTH_RETURN_IF_ERROR(ApplyV1NetCls(dir, *network.class_id));
  }
  if (!network.priorities.empty()) {
    std::string dir = Dir("net_prio");
    if (dir.empty()) {
      return FailedPreconditionf(
          "network.priorities requested but the net_prio cgroup controller is not mounted");
    }
    BERTH_RETURN_IF_ERROR(ApplyV1NetPrio(dir, network.priorities));
  }
  return absl::OkStatus();
}

absl::Status V1Manager::ApplyRdma(const std::map<std::string, spec::Rdma>& rdma) {
  if (std::string dir = Dir("rdma"); !dir.empty()) return ApplyV1Rdma(dir, rdma);
  if (UnifiedHas("rdma")) {
    BERTH_RETURN_IF_ERROR(EnableControllers(layout_.unified_mount, unified_dir_, {"rdma"}));
    return ApplyV2Rdma(unified_dir_, rdma);
  }
  return FailedPreconditionf("rdma limits requested but the rdma cgroup controller is not mounted");
}

absl::Status V1Manager::ApplyDevices(const std::vector<spec::DeviceRule>& rules) {
  if (std::string dir = Dir("devices"); !dir.empty()) return ApplyV1Devices(dir, rules);
  // The kernel runs cgroup2 device programs whether or not v1 devices is mounted.
  if (!unified_dir_.empty()) return ApplyV2Devices(unified_dir_, rules);
  log::Warnf("device rules: the devices cgroup controller is not mounted; ignored");
  return absl::OkStatus();
}

absl::Status V1Manager::ApplyUnified(const std::map<std::string, std::string>& unified) {
  if (unified.empty()) return absl::OkStatus();
  std::vector<std::string> controllers;
  for (const auto& [key, value] : unified) {
    std::string controller = ControllerOfFile(key);
    if (controller != "cgroup" && !Contains(controllers, controller)) {
      controllers.push_back(controller);
    }
  }
  BERTH_RETURN_IF_ERROR(EnableControllers(layout_.unified_mount, unified_dir_, controllers));
  return ApplyV2Unified(unified_dir_, unified, layout_.unified_controllers);
}

absl::Status V1Manager::AddProcess(pid_t pid) {
  for (const std::string& dir : UniqueDirs()) {
    absl::Status status = WriteCgroupFile(dir, "cgroup.procs", std::to_string(pid));
    if (!status.ok() && BestEffort(dir)) {
      log::Warnf("join cgroup: {}", status);
      continue;
    }
    BERTH_RETURN_IF_ERROR(status);
  }
  return absl::OkStatus();
}

bool V1Manager::CanFreeze() const {
  return !Dir("freezer").empty() ||
         (!unified_dir_.empty() && CgroupFileExists(unified_dir_, "cgroup.freeze"));
}

absl::Status V1Manager::Freeze() {
  if (std::string dir = Dir("freezer"); !dir.empty()) return FreezeV1(dir);
  if (CanFreeze()) return FreezeV2(unified_dir_);
  return FailedPreconditionf("freeze: the freezer cgroup controller is not mounted");
}

absl::Status V1Manager::Thaw() {
  if (std::string dir = Dir("freezer"); !dir.empty()) return ThawV1(dir);
  if (CanFreeze()) return ThawV2(unified_dir_);
  return FailedPreconditionf("thaw: the freezer cgroup controller is not mounted");
}

absl::StatusOr<FreezerState> V1Manager::GetFreezerState() {
  if (std::string dir = Dir("freezer"); !dir.empty()) return FreezerStateV1(dir);
  if (CanFreeze()) return FreezerStateV2(unified_dir_);
  return FreezerState::kThawed;
}

absl::StatusOr<std::vector<pid_t>> V1Manager::Pids() {
  for (const char* controller : {"pids", "freezer", "memory", "cpu", "devices"}) {
    if (std::string dir = Dir(controller); !dir.empty()) return ReadProcsRecursive(dir);
  }
  std::vector<std::string> dirs = UniqueDirs();
  if (dirs.empty()) return std::vector<pid_t>();
  return ReadProcsRecursive(dirs.front());
}

absl::Status V1Manager::SignalAll(int signal) {
  return SignalEveryProcess(*this, signal, CanFreeze());
}

absl::Status V1Manager::CollectStats(Stats* s) {
  if (std::string dir = Dir("cpuacct"); !dir.empty()) {
    BERTH_RETURN_IF_ERROR(ReadV1CpuacctStats(dir, &s->cpu));
  }
  if (std::string dir = Dir("cpu"); !dir.empty()) {
    BERTH_RETURN_IF_ERROR(ReadV1CpuThrottling(dir, &s->cpu));
  }
  if (std::string dir = Dir("cpuset"); !dir.empty()) {
    BERTH_RETURN_IF_ERROR(ReadV1CpusetStats(dir, &s->cpuset));
  }
  if (std::string dir = Dir("memory"); !dir.empty()) {
    BERTH_RETURN_IF_ERROR(ReadV1MemoryStats(dir, &s->memory));
  }
  if (std::string dir = Dir("pids"); !dir.empty()) {
    BERTH_RETURN_IF_ERROR(ReadV1PidsStats(dir, &s->pids));
  }
  if (std::string dir = Dir("blkio"); !dir.empty()) {
    BERTH_RETURN_IF_ERROR(ReadV1BlkioStats(dir, &s->blkio));
  }
  if (std::string dir = Dir("hugetlb"); !dir.empty()) {
    return ReadV1HugetlbStats(dir, layout_.hugepage_sizes, &s->hugetlb);
  }
  if (UnifiedHas("hugetlb")) {
    return ReadV2HugetlbStats(unified_dir_, layout_.hugepage_sizes, &s->hugetlb);
  }
  return absl::OkStatus();
}

absl::StatusOr<Stats> V1Manager::GetStats() {
  Stats stats;
  BERTH_RETURN_IF_ERROR(WithContext(CollectStats(&stats), "cgroup stats"));
  return stats;
}

absl::Status V1Manager::Destroy() {
  absl::Status first;
  for (const std::string& dir : UniqueDirs()) {
    absl::Status status = RemoveCgroupTree(dir);
    if (!status.ok() && first.ok()) first = status;
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

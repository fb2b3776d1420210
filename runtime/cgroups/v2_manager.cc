#include "runtime/cgroups/v2_manager.h"

#include <signal.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"
#include "runtime/cgroups/cgroup_fs.h"
#include "runtime/cgroups/freezer.h"
#include "runtime/cgroups/v2_resources.h"
#include "runtime/cgroups/v2_stats.h"

namespace berth::runtime::cgroups {

V2Manager::V2Manager(Layout layout, std::string dir)
    : layout_(std::move(layout)), dir_(std::move(dir)) {}

absl::Status V2Manager::Create() {
  std::vector<std::string> created;
  absl::Cleanup rollback = [&created] { RemoveDirsBestEffort(created); };
  BERTH_RETURN_IF_ERROR(MkdirAllRecorded(dir_, &created));
  std::move(rollback).Cancel();
  // As runc: a controller that cannot be enabled (an ancestor with
  // processes of its own, a delegation that withholds it) only matters if a
  // limit needs it, and then that write fails naming the controller.
  absl::Status enabled = EnableControllers(layout_.unified_mount, dir_, ManagedV2Controllers());
  if (!enabled.ok()) log::Warnf("enable cgroup controllers for {}: {}", dir_, enabled);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> V2Manager::AvailableControllers() const {
  BERTH_ASSIGN_OR_RETURN(std::string content, ReadCgroupFile(dir_, "cgroup.controllers"));
  return SplitWords(content);
}

absl::Status V2Manager::Apply(const spec::Resources& r) {
  BERTH_RETURN_IF_ERROR(ValidateV2Resources(r));
  if (!r.unified.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> available, AvailableControllers());
    for (const auto& [key, value] : r.unified) {
      BERTH_RETURN_IF_ERROR(ValidateUnifiedKey(key, available, dir_));
    }
  }
  BERTH_RETURN_IF_ERROR(ApplyControllers(r));
  if (r.unified.empty()) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> available, AvailableControllers());
  return ApplyV2Unified(dir_, r.unified, available);
}

// runc's order: pids, memory, io, cpu, devices, cpuset, hugetlb, rdma.
absl::Status V2Manager::ApplyControllers(const spec::Resources& r) {
  if (r.pids) BERTH_RETURN_IF_ERROR(ApplyV2Pids(dir_, *r.pids));
  if (r.memory) BERTH_RETURN_IF_ERROR(ApplyV2Memory(dir_, *r.memory));
  if (r.block_io) BERTH_RETURN_IF_ERROR(ApplyV2Io(dir_, *r.block_io));
  if (r.cpu) BERTH_RETURN_IF_ERROR(ApplyV2Cpu(dir_, *r.cpu));
  if (!r.devices.empty()) BERTH_RETURN_IF_ERROR(ApplyV2Devices(dir_, r.devices));
  if (r.cpu) BERTH_RETURN_IF_ERROR(ApplyV2Cpuset(dir_, *r.cpu));
  if (!r.hugepage_limits.empty()) {
    BERTH_RETURN_IF_ERROR(ApplyV2Hugetlb(dir_, r.hugepage_limits, layout_.hugepage_sizes));
  }
  if (!r.rdma.empty()) BERTH_RETURN_IF_ERROR(ApplyV2Rdma(dir_, r.rdma));
  if (r.network && (r.network->class_id || !r.network->priorities.empty())) {
    log::Warnf("network classID / priorities need the v1 net_cls / net_prio controllers; ignored");
  }
  return absl::OkStatus();
}

absl::Status V2Manager::AddProcess(pid_t pid) {
  return WriteCgroupFile(dir_, "cgroup.procs", std::to_string(pid));
}

absl::Status V2Manager::Freeze() { return FreezeV2(dir_); }

absl::Status V2Manager::Thaw() { return ThawV2(dir_); }

absl::StatusOr<FreezerState> V2Manager::GetFreezerState() { return FreezerStateV2(dir_); }

absl::StatusOr<std::vector<pid_t>> V2Manager::Pids() { return ReadProcsRecursive(dir_); }

absl::Status V2Manager::SignalAll(int signal) {
  if (signal == SIGKILL && CgroupFileExists(dir_, "cgroup.kill")) {
    // The kernel kills the whole subtree at once, forks included.
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "cgroup.kill", "1"));
    return WaitUntilEmpty(*this, kKillTimeout, /*rekill=*/false);
  }
  return SignalEveryProcess(*this, signal, CgroupFileExists(dir_, "cgroup.freeze"));
}

absl::Status V2Manager::CollectStats(Stats* s) {
  BERTH_RETURN_IF_ERROR(ReadV2CpuStats(dir_, &s->cpu));
  BERTH_RETURN_IF_ERROR(ReadV2MemoryStats(dir_, &s->memory));
  BERTH_RETURN_IF_ERROR(ReadV2PidsStats(dir_, &s->pids));
  BERTH_RETURN_IF_ERROR(ReadV2IoStats(dir_, &s->blkio));
  return ReadV2HugetlbStats(dir_, layout_.hugepage_sizes, &s->hugetlb);
}

absl::StatusOr<Stats> V2Manager::GetStats() {
  Stats stats;
  BERTH_RETURN_IF_ERROR(WithContext(CollectStats(&stats), "cgroup stats"));
  return stats;
}

absl::Status V2Manager::Destroy() { return RemoveCgroupTree(dir_); }

std::map<std::string, std::string> V2Manager::Paths() const { return {{"", dir_}}; }

std::string V2Manager::OomEventSource() const { return dir_ + "/memory.events"; }

}  // namespace berth::runtime::cgroups

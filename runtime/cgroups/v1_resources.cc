// V1Manager::Apply: spec::Resources -> v1 control files.
#include <algorithm>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/devices.h"
#include "runtime/cgroups/v1_manager.h"
#include "runtime/cgroups/v2_tree.h"

namespace berth::runtime::cgroups {
namespace {

std::string Limit(int64_t v) { return v < 0 ? "-1" : std::to_string(v); }

absl::Status NeedController(const std::string& dir, const char* controller, const char* what) {
  if (dir.empty()) {
    return FailedPreconditionf("{} requested but the {} cgroup controller is not mounted", what,
                               controller);
  }
  return absl::OkStatus();
}

std::string DeviceLine(const spec::BlockIoDevice& d, uint64_t value) {
  return fmt::format("{}:{} {}", d.major, d.minor, value);
}

}  // namespace

absl::Status V1Manager::ApplyMemory(const spec::Memory& m) {
  std::string dir = Dir("memory");
  BERTH_RETURN_IF_ERROR(NeedController(dir, "memory", "a memory limit"));
  std::optional<int64_t> limit = m.limit;
  std::optional<int64_t> swap = m.swap;
  // Unlimited memory with swap unset means unlimited swap too (runc).
  if (limit && *limit == -1 && !swap) swap = -1;
  bool has_memsw = CgroupFileExists(dir, "memory.memsw.limit_in_bytes");
  if (swap && !has_memsw) {
    if (*swap != -1 && (!limit || *swap != *limit)) {
      return FailedPreconditionf(
          "a swap limit needs swap accounting (memory.memsw.limit_in_bytes is missing in {})", dir);
    }
    swap.reset();
  }
  if (limit && swap) {
    // memory.limit_in_bytes <= memory.memsw.limit_in_bytes must hold after
    // each write: raise swap first when growing, lower memory first when
    // shrinking.
    BERTH_ASSIGN_OR_RETURN(uint64_t current, ReadCgroupUint(dir, "memory.limit_in_bytes"));
    if (*swap == -1 || current < static_cast<uint64_t>(*swap)) {
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.memsw.limit_in_bytes", Limit(*swap)));
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.limit_in_bytes", Limit(*limit)));
    } else {
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.limit_in_bytes", Limit(*limit)));
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.memsw.limit_in_bytes", Limit(*swap)));
    }
  } else if (limit) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.limit_in_bytes", Limit(*limit)));
  } else if (swap) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.memsw.limit_in_bytes", Limit(*swap)));
  }
  if (m.reservation) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.soft_limit_in_bytes", Limit(*m.reservation)));
  }
  for (const auto& [value, file] :
       {std::pair{m.kernel, "memory.kmem.limit_in_bytes"},
        std::pair{m.kernel_tcp, "memory.kmem.tcp.limit_in_bytes"}}) {
    if (!value) continue;
    if (!CgroupFileExists(dir, file)) {
      log::Warnf("{} not supported by this kernel ({} missing); ignored", file, dir);
      continue;
    }
    absl::Status s = WriteCgroupFile(dir, file, Limit(*value));
    // Kernels since 5.16 keep the file but refuse kmem limits.
    if (!s.ok() && ErrnoOf(s) == EOPNOTSUPP) {
      log::Warnf("kernel memory limits are not supported by this kernel; ignored");
      continue;
    }
    BERTH_RETURN_IF_ERROR(s);
  }
  if (m.swappiness) {
    if (*m.swappiness > 100) {
      return InvalidArgumentf("linux.resources.memory.swappiness: {} is above 100", *m.swappiness);
    }
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.swappiness", std::to_string(*m.swappiness)));
  }
  if (m.disable_oom_killer && *m.disable_oom_killer) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.oom_control", "1"));
  }
  if (m.use_hierarchy) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "memory.use_hierarchy", *m.use_hierarchy ? "1" : "0"));
  }
  return absl::OkStatus();
}

absl::Status V1Manager::ApplyCpu(const spec::Cpu& c) {
  bool needs_cpu = c.shares || c.quota || c.period || c.burst || c.realtime_runtime ||
                   c.realtime_period || c.idle;
  std::string dir = Dir("cpu");
  if (needs_cpu) BERTH_RETURN_IF_ERROR(NeedController(dir, "cpu", "a cpu limit"));
  if (c.shares && *c.shares != 0) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.shares", std::to_string(*c.shares)));
  }
  // The period first: a quota is validated against the current period.
  if (c.period && *c.period != 0) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.cfs_period_us", std::to_string(*c.period)));
  }
  if (c.quota && *c.quota != 0) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.cfs_quota_us", std::to_string(*c.quota)));
  }
  if (c.burst) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.cfs_burst_us", std::to_string(*c.burst)));
  }
  if (c.realtime_period && *c.realtime_period != 0) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "cpu.rt_period_us", std::to_string(*c.realtime_period)));
  }
  if (c.realtime_runtime && *c.realtime_runtime != 0) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "cpu.rt_runtime_us", std::to_string(*c.realtime_runtime)));
  }
  if (c.idle) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.idle", std::to_string(*c.idle)));
  if (!c.cpus.empty() || !c.mems.empty()) {
    std::string cpuset = Dir("cpuset");
    BERTH_RETURN_IF_ERROR(NeedController(cpuset, "cpuset", "a cpuset"));
    if (!c.cpus.empty()) BERTH_RETURN_IF_ERROR(WriteCgroupFile(cpuset, "cpuset.cpus", c.cpus));
    if (!c.mems.empty()) BERTH_RETURN_IF_ERROR(WriteCgroupFile(cpuset, "cpuset.mems", c.mems));
  }
  return absl::OkStatus();
}

absl::Status V1Manager::ApplyBlockIo(const spec::BlockIo& io) {
  std::string dir = Dir("blkio");
  BERTH_RETURN_IF_ERROR(NeedController(dir, "blkio", "a block I/O limit"));
  if (io.weight && *io.weight != 0) {
    const char* file = CgroupFileExists(dir, "blkio.weight")       ? "blkio.weight"
                       : CgroupFileExists(dir, "blkio.bfq.weight") ? "blkio.bfq.weight"
                                                                    : nullptr;
    if (file == nullptr) {
      return FailedPreconditionf(
          "linux.resources.blockIO.weight: this kernel's I/O scheduler has no weight "
          "(blkio.weight and blkio.bfq.weight are missing in {})",
          dir);
    }
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, file, std::to_string(*io.weight)));
  }
  if (io.leaf_weight && *io.leaf_weight != 0) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "blkio.leaf_weight", std::to_string(*io.leaf_weight)));
  }
  for (const spec::WeightDevice& d : io.weight_device) {
    if (d.weight) {
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "blkio.weight_device", DeviceLine(d, *d.weight)));
    }
    if (d.leaf_weight) {
      BERTH_RETURN_IF_ERROR(
          WriteCgroupFile(dir, "blkio.leaf_weight_device", DeviceLine(d, *d.leaf_weight)));
    }
  }
  const std::pair<const std::vector<spec::ThrottleDevice>*, const char*> throttles[] = {
      {&io.throttle_read_bps_device, "blkio.throttle.read_bps_device"},
      {&io.throttle_write_bps_device, "blkio.throttle.write_bps_device"},
      {&io.throttle_read_iops_device, "blkio.throttle.read_iops_device"},
      {&io.throttle_write_iops_device, "blkio.throttle.write_iops_device"},
  };
  for (const auto& [devices, file] : throttles) {
    for (const spec::ThrottleDevice& d : *devices) {
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, file, DeviceLine(d, d.rate)));
    }
  }
  return absl::OkStatus();
}

absl::Status V1Manager::ApplyDevices(const std::vector<spec::DeviceRule>& rules) {
  std::string dir = Dir("devices");
  if (dir.empty()) {
    log::Warnf("the devices cgroup controller is not mounted; device rules not enforced");
    return absl::OkStatus();
  }
  for (const spec::DeviceRule& rule : rules) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, rule.allow ? "devices.allow" : "devices.deny", DeviceRuleLine(rule)));
  }
  return absl::OkStatus();
}

absl::Status V1Manager::ApplyHugetlb(const std::vector<spec::HugepageLimit>& limits) {
  if (std::string dir = Dir("hugetlb"); !dir.empty()) {
    return ApplyHugetlbLimits(dir, limits, /*v2=*/false);
  }
  // Hybrid hosts may have hugetlb only on the cgroup2 side.
  bool on_unified = std::find(unified_controllers_.begin(), unified_controllers_.end(),
                              "hugetlb") != unified_controllers_.end();
  if (unified_dir_.empty() || !on_unified) {
    return FailedPreconditionf("hugepage limits requested but no hugetlb cgroup controller exists");
  }
  BERTH_RETURN_IF_ERROR(EnableControllers(unified_mount_, unified_dir_, {"hugetlb"}));
  return ApplyHugetlbLimits(unified_dir_, limits, /*v2=*/true);
}

absl::Status V1Manager::ApplyNetwork(const spec::Network& n) {
  // Limits that silently do nothing are worse than an error (runc agrees).
  if (n.class_id) {
    std::string dir = Dir("net_cls");
    BERTH_RETURN_IF_ERROR(NeedController(dir, "net_cls", "linux.resources.network.classID"));
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "net_cls.classid", std::to_string(*n.class_id)));
  }
  if (!n.priorities.empty()) {
    std::string dir = Dir("net_prio");
    BERTH_RETURN_IF_ERROR(NeedController(dir, "net_prio", "linux.resources.network.priorities"));
    for (const spec::InterfacePriority& p : n.priorities) {
      BERTH_RETURN_IF_ERROR(
          WriteCgroupFile(dir, "net_prio.ifpriomap", fmt::format("{} {}", p.name, p.priority)));
    }
  }
  return absl::OkStatus();
}

absl::Status V1Manager::ApplyUnified(const std::map<std::string, std::string>& unified) {
  for (const auto& [key, value] : unified) {
    std::string controller = key.substr(0, key.find('.'));
    bool available = std::find(unified_controllers_.begin(), unified_controllers_.end(),
                               controller) != unified_controllers_.end();
    if (unified_dir_.empty() || key.find('/') != std::string::npos || !available) {
      return InvalidArgumentf(
          "linux.resources.unified[{:?}]: cgroup v2 files need a cgroup2 hierarchy with the {} "
          "controller; this host is cgroup v1{}",
          key, controller, unified_dir_.empty() ? "" : " (hybrid)");
    }
    BERTH_RETURN_IF_ERROR(EnableControllers(unified_mount_, unified_dir_, {controller}));
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(unified_dir_, key, value));
  }
  return absl::OkStatus();
}

absl::Status V1Manager::Apply(const spec::Resources& r) {
  if (r.memory) BERTH_RETURN_IF_ERROR(ApplyMemory(*r.memory));
  if (r.cpu) BERTH_RETURN_IF_ERROR(ApplyCpu(*r.cpu));
  if (r.pids) {
    std::string dir = Dir("pids");
    BERTH_RETURN_IF_ERROR(NeedController(dir, "pids", "a pids limit"));
    std::string value = r.pids->limit <= 0 ? "max" : std::to_string(r.pids->limit);
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "pids.max", value));
  }
  if (r.block_io) BERTH_RETURN_IF_ERROR(ApplyBlockIo(*r.block_io));
  if (!r.hugepage_limits.empty()) BERTH_RETURN_IF_ERROR(ApplyHugetlb(r.hugepage_limits));
  if (r.network) BERTH_RETURN_IF_ERROR(ApplyNetwork(*r.network));
  for (const auto& [device, limits] : r.rdma) {
    std::string dir = Dir("rdma");
    BERTH_RETURN_IF_ERROR(NeedController(dir, "rdma", "an rdma limit"));
    std::string line = device;
    if (limits.hca_handles) line += fmt::format(" hca_handle={}", *limits.hca_handles);
    if (limits.hca_objects) line += fmt::format(" hca_object={}", *limits.hca_objects);
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "rdma.max", line));
  }
  if (!r.unified.empty()) BERTH_RETURN_IF_ERROR(ApplyUnified(r.unified));
  if (!r.devices.empty()) BERTH_RETURN_IF_ERROR(ApplyDevices(r.devices));
  return absl::OkStatus();
}

}  // namespace berth::runtime::cgroups

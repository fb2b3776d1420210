// V2Manager::Apply: spec::Resources (written with v1 in mind) -> v2 files,
// with runc's conversions.
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/v2_devices_bpf.h"
#include "runtime/cgroups/v2_manager.h"
#include "runtime/cgroups/v2_tree.h"

namespace berth::runtime::cgroups {
namespace {

std::string MaxOr(int64_t v) { return v < 0 ? "max" : std::to_string(v); }

std::string DeviceKey(const spec::BlockIoDevice& d) { return fmt::format("{}:{}", d.major, d.minor); }

}  // namespace

uint64_t V2Manager::CpuWeightFromShares(uint64_t shares) {
  if (shares == 0) return 0;
  // cpu.shares 2..262144 -> cpu.weight 1..10000, linearly (runc).
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t V2Manager::IoWeightFromBlkio(uint64_t weight) {
  if (weight == 0) return 0;
  // blkio.weight 10..1000 -> io.weight 1..10000 (runc).
  return 1 + (weight - 10) * 9999 / 990;
}

absl::Status V2Manager::ApplyMemory(const spec::Memory& m) {
  if (m.swappiness && *m.swappiness != 0 && *m.swappiness != 60) {
    return InvalidArgumentf(
        "linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness");
  }
  if (m.kernel || m.kernel_tcp) {
    return InvalidArgumentf("linux.resources.memory.kernel / kernelTCP: not available on cgroup v2");
  }
  if (m.swap) {
    // v1's swap is memory + swap; v2's memory.swap.max is swap alone.
    if (*m.swap == -1) {
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "memory.swap.max", "max"));
    } else {
      if (!m.limit || *m.limit == -1) {
        return InvalidArgumentf(
            "linux.resources.memory.swap {} needs a memory limit on cgroup v2", *m.swap);
      }
      if (*m.swap < *m.limit) {
        return InvalidArgumentf("linux.resources.memory.swap {} is below the memory limit {}",
                                *m.swap, *m.limit);
      }
      BERTH_RETURN_IF_ERROR(
          WriteCgroupFile(dir_, "memory.swap.max", std::to_string(*m.swap - *m.limit)));
    }
  }
  if (m.limit) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "memory.max", MaxOr(*m.limit)));
  if (m.reservation) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "memory.low", MaxOr(*m.reservation)));
  }
  if (m.disable_oom_killer && *m.disable_oom_killer) {
    return InvalidArgumentf("linux.resources.memory.disableOOMKiller: not available on cgroup v2");
  }
  return absl::OkStatus();
}

absl::Status V2Manager::ApplyCpu(const spec::Cpu& c) {
  if (c.shares && *c.shares != 0) {
    if (*c.shares < 2 || *c.shares > 262144) {
      return InvalidArgumentf("linux.resources.cpu.shares: {} is outside 2..262144", *c.shares);
    }
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir_, "cpu.weight", std::to_string(CpuWeightFromShares(*c.shares))));
  }
  if ((c.quota && *c.quota != 0) || (c.period && *c.period != 0)) {
    std::string quota;
    if (c.quota && *c.quota > 0) {
      quota = std::to_string(*c.quota);
    } else if (c.quota && *c.quota < 0) {
      quota = "max";
    } else {
      // Only the period changes: keep the quota that is there.
      absl::StatusOr<std::string> current = ReadCgroupFile(dir_, "cpu.max");
      quota = current.ok() ? std::string(Split(TrimSpace(*current), ' ')[0]) : "max";
    }
    uint64_t period = c.period && *c.period != 0 ? *c.period : 100000;
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "cpu.max", fmt::format("{} {}", quota, period)));
  }
  if (c.burst) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "cpu.max.burst", std::to_string(*c.burst)));
  if (c.idle) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "cpu.idle", std::to_string(*c.idle)));
  if ((c.realtime_runtime && *c.realtime_runtime != 0) ||
      (c.realtime_period && *c.realtime_period != 0)) {
    return InvalidArgumentf("linux.resources.cpu.realtime*: not available on cgroup v2");
  }
  if (!c.cpus.empty()) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "cpuset.cpus", c.cpus));
  if (!c.mems.empty()) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "cpuset.mems", c.mems));
  return absl::OkStatus();
}

absl::Status V2Manager::ApplyIo(const spec::BlockIo& io) {
  if (io.weight && *io.weight != 0) {
    if (CgroupFileExists(dir_, "io.bfq.weight")) {
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "io.bfq.weight", std::to_string(*io.weight)));
    } else {
      BERTH_RETURN_IF_ERROR(
          WriteCgroupFile(dir_, "io.weight", std::to_string(IoWeightFromBlkio(*io.weight))));
    }
  }
  for (const spec::WeightDevice& d : io.weight_device) {
    if (!d.weight) continue;
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(
        dir_, "io.weight", fmt::format("{} {}", DeviceKey(d), IoWeightFromBlkio(*d.weight))));
  }
  const std::pair<const std::vector<spec::ThrottleDevice>*, const char*> limits[] = {
      {&io.throttle_read_bps_device, "rbps"},
      {&io.throttle_write_bps_device, "wbps"},
      {&io.throttle_read_iops_device, "riops"},
      {&io.throttle_write_iops_device, "wiops"},
  };
  for (const auto& [devices, key] : limits) {
    for (const spec::ThrottleDevice& d : *devices) {
      std::string value = d.rate == 0 ? "max" : std::to_string(d.rate);
      BERTH_RETURN_IF_ERROR(
          WriteCgroupFile(dir_, "io.max", fmt::format("{} {}={}", DeviceKey(d), key, value)));
    }
  }
  return absl::OkStatus();
}

absl::Status V2Manager::ApplyUnified(const std::map<std::string, std::string>& unified) {
  absl::StatusOr<std::string> controllers = ReadCgroupFile(dir_, "cgroup.controllers");
  std::vector<std::string> enabled =
      controllers.ok() ? SplitToStrings(TrimSpace(*controllers), ' ', true) : std::vector<std::string>{};
  for (const auto& [key, value] : unified) {
    if (key.empty() || key.find('/') != std::string::npos || key.find("..") != std::string::npos) {
      return InvalidArgumentf("linux.resources.unified: invalid file name {:?}", key);
    }
    std::string controller = key.substr(0, key.find('.'));
    bool core = controller == "cgroup";
    if (!core && std::find(enabled.begin(), enabled.end(), controller) == enabled.end()) {
      return InvalidArgumentf(
          "linux.resources.unified[{:?}]: the {} controller is not enabled for {}", key,
          controller, dir_);
    }
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, key, value));
  }
  return absl::OkStatus();
}

absl::Status V2Manager::Apply(const spec::Resources& r) {
  if (r.memory) BERTH_RETURN_IF_ERROR(ApplyMemory(*r.memory));
  if (r.cpu) BERTH_RETURN_IF_ERROR(ApplyCpu(*r.cpu));
  if (r.pids) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(
        dir_, "pids.max", r.pids->limit <= 0 ? "max" : std::to_string(r.pids->limit)));
  }
  if (r.block_io) BERTH_RETURN_IF_ERROR(ApplyIo(*r.block_io));
  if (!r.hugepage_limits.empty()) {
    BERTH_RETURN_IF_ERROR(ApplyHugetlbLimits(dir_, r.hugepage_limits, /*v2=*/true));
  }
  for (const auto& [device, limits] : r.rdma) {
    std::string line = device;
    if (limits.hca_handles) line += fmt::format(" hca_handle={}", *limits.hca_handles);
    if (limits.hca_objects) line += fmt::format(" hca_object={}", *limits.hca_objects);
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir_, "rdma.max", line));
  }
  if (r.network && (r.network->class_id || !r.network->priorities.empty())) {
    return InvalidArgumentf("linux.resources.network: net_cls / net_prio do not exist on cgroup v2");
  }
  if (!r.unified.empty()) BERTH_RETURN_IF_ERROR(ApplyUnified(r.unified));
  if (!r.devices.empty()) {
    BERTH_RETURN_IF_ERROR(AttachDeviceProgram(dir_, BuildDeviceProgram(r.devices)));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::cgroups

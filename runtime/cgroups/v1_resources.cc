#include "runtime/cgroups/v1_resources.h"

#include <errno.h>

#include <limits>
#include <optional>

#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_fs.h"
#include "runtime/cgroups/devices.h"
#include "runtime/cgroups/resource_util.h"

namespace berth::runtime::cgroups {
namespace {

constexpr char kMemoryLimit[] = "memory.limit_in_bytes";
constexpr char kMemswLimit[] = "memory.memsw.limit_in_bytes";
constexpr uint64_t kUnsetSwappiness = std::numeric_limits<uint64_t>::max();  // -1 as uint64

bool IsErrno(const absl::Status& status, int errno_value) {
  return !status.ok() && ErrnoOf(status) == errno_value;
}

absl::Status ValidateV1Memory(const spec::Memory& m) {
  BERTH_RETURN_IF_ERROR(CheckLimit(m.limit, "memory.limit"));
  BERTH_RETURN_IF_ERROR(CheckLimit(m.swap, "memory.swap"));
  BERTH_RETURN_IF_ERROR(CheckLimit(m.reservation, "memory.reservation"));
  BERTH_RETURN_IF_ERROR(CheckLimit(m.kernel, "memory.kernel"));
  BERTH_RETURN_IF_ERROR(CheckLimit(m.kernel_tcp, "memory.kernelTCP"));
  std::optional<int64_t> limit = NonZero(m.limit);
  std::optional<int64_t> swap = NonZero(m.swap);
  if (limit && swap && *limit > 0 && *swap > 0 && *swap < *limit) {
    return InvalidArgumentf("memory.swap {} (memory+swap) is below memory.limit {}", *swap, *limit);
  }
  if (m.swappiness && *m.swappiness != kUnsetSwappiness && *m.swappiness > 100) {
    return InvalidArgumentf("memory.swappiness {} is outside 0..100", *m.swappiness);
  }
  return absl::OkStatus();
}

absl::Status ValidateV1Cpu(const spec::Cpu& cpu) {
  BERTH_RETURN_IF_ERROR(CheckLimit(cpu.quota, "cpu.quota"));
  return CheckLimit(cpu.realtime_runtime, "cpu.realtimeRuntime");
}

// memory.limit_in_bytes; EBUSY means the usage is above the new limit.
absl::Status WriteMemoryLimit(const std::string& dir, int64_t limit) {
  absl::Status status = WriteCgroupFile(dir, kMemoryLimit, std::to_string(limit));
  if (!IsErrno(status, EBUSY)) return status;
  absl::StatusOr<uint64_t> usage = ReadCgroupUint(dir, "memory.usage_in_bytes");
  absl::StatusOr<uint64_t> peak = ReadCgroupUint(dir, "memory.max_usage_in_bytes");
  if (!usage.ok() || !peak.ok()) return status;
  return FailedPreconditionf("{}: the current usage {} (peak {}) is above the new limit {}",
                             ToStd(status.message()), *usage, *peak, limit);
}

// The memory+swap limit to write, or nullopt; an error when swap is asked
// for but the kernel does not account it.
absl::StatusOr<std::optional<int64_t>> MemswToWrite(const std::string& dir,
                                                    std::optional<int64_t> limit,
                                                    std::optional<int64_t> swap) {
  bool has_memsw = CgroupFileExists(dir, kMemswLimit);
  if (limit == -1 && !swap && has_memsw) return std::optional<int64_t>(-1);
  if (!swap || has_memsw) return swap;
  if (*swap == -1 || swap == limit) return std::optional<int64_t>();  // nothing to enforce
  return FailedPreconditionf(
      "memory.swap {} requested but {} has no {} (swap accounting is off; boot with "
      "swapaccount=1)",
      *swap, dir, kMemswLimit);
}

absl::Status WriteMemoryAndSwap(const std::string& dir, const spec::Memory& m) {
  std::optional<int64_t> limit = NonZero(m.limit);
  BERTH_ASSIGN_OR_RETURN(std::optional<int64_t> swap, MemswToWrite(dir, limit, NonZero(m.swap)));
  bool swap_first = false;
  if (limit && swap) {
    // Raising memsw first keeps limit <= memsw when memsw grows; lowering
    // the limit first keeps it when memsw shrinks below the current limit.
    BERTH_ASSIGN_OR_RETURN(uint64_t current_limit, ReadCgroupUint(dir, kMemoryLimit));
    swap_first = *swap == -1 || current_limit < static_cast<uint64_t>(*swap);
  }
  if (swap && swap_first) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, kMemswLimit, std::to_string(*swap)));
  }
  if (limit) BERTH_RETURN_IF_ERROR(WriteMemoryLimit(dir, *limit));
  if (swap && !swap_first) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, kMemswLimit, std::to_string(*swap)));
  }
  return absl::OkStatus();
}

// Kernel memory limits were removed from newer kernels; skip them there.
absl::Status WriteKmemLimit(const std::string& dir, const char* file, std::optional<int64_t> value,
                            std::string_view field) {
  if (!value) return absl::OkStatus();
  if (!CgroupFileExists(dir, file)) {
    log::Warnf("{} is not supported by this kernel ({} has no {}); ignored", field, dir, file);
    return absl::OkStatus();
  }
  return WriteCgroupFile(dir, file, std::to_string(*value));
}

absl::Status WriteMemoryFlags(const std::string& dir, const spec::Memory& m) {
  if (m.swappiness && *m.swappiness != kUnsetSwappiness) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "memory.swappiness", std::to_string(*m.swappiness)));
  }
  if (m.disable_oom_killer) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "memory.oom_control", *m.disable_oom_killer ? "1" : "0"));
  }
  if (m.use_hierarchy) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "memory.use_hierarchy", *m.use_hierarchy ? "1" : "0"));
  }
  return absl::OkStatus();
}

// cpu.shares, checked against what the kernel kept (it clamps silently).
absl::Status WriteShares(const std::string& dir, uint64_t shares) {
  BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.shares", std::to_string(shares)));
  BERTH_ASSIGN_OR_RETURN(uint64_t kept, ReadCgroupUint(dir, "cpu.shares"));
  if (kept != shares) {
    return InvalidArgumentf("cpu.shares {} is out of range: the kernel set {} instead ({})", shares,
                            kept, shares > kept ? "the maximum" : "the minimum");
  }
  return absl::OkStatus();
}

// Writes `value` to `file` unless the kernel refuses it with EINVAL and
// `retry_later` says the write may work after another one; then returns
// true in *pending.
absl::Status WriteOrDefer(const std::string& dir, const char* file, const std::string& value,
                          bool retry_later, bool* pending) {
  absl::Status status = WriteCgroupFile(dir, file, value);
  *pending = retry_later && IsErrno(status, EINVAL);
  return *pending ? absl::OkStatus() : status;
}

absl::Status WriteCfs(const std::string& dir, const spec::Cpu& cpu) {
  std::optional<int64_t> quota = NonZero(cpu.quota);
  std::optional<uint64_t> period = NonZero(cpu.period);
  bool period_pending = false;
  bool burst_pending = false;
  if (period) {
    BERTH_RETURN_IF_ERROR(WriteOrDefer(dir, "cpu.cfs_period_us", std::to_string(*period),
                                       quota.has_value(), &period_pending));
  }
  if (cpu.burst) {
    if (!CgroupFileExists(dir, "cpu.cfs_burst_us")) {
      if (*cpu.burst != 0) {
        return FailedPreconditionf("cpu.burst {}: {} has no cpu.cfs_burst_us (kernel 5.14+)",
                                   *cpu.burst, dir);
      }
    } else {
      BERTH_RETURN_IF_ERROR(WriteOrDefer(dir, "cpu.cfs_burst_us", std::to_string(*cpu.burst),
                                         quota.has_value(), &burst_pending));
    }
  }
  if (quota)
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.cfs_quota_us", std::to_string(*quota)));
  if (period_pending) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.cfs_period_us", std::to_string(*period)));
  }
  if (burst_pending) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.cfs_burst_us", std::to_string(*cpu.burst)));
  }
  return absl::OkStatus();
}

absl::Status WriteRealtime(const std::string& dir, const spec::Cpu& cpu) {
  std::optional<int64_t> runtime = NonZero(cpu.realtime_runtime);
  std::optional<uint64_t> period = NonZero(cpu.realtime_period);
  bool period_pending = false;
  if (period) {
    BERTH_RETURN_IF_ERROR(WriteOrDefer(dir, "cpu.rt_period_us", std::to_string(*period),
                                       runtime.has_value(), &period_pending));
  }
  if (runtime) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.rt_runtime_us", std::to_string(*runtime)));
  }
  if (period_pending) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.rt_period_us", std::to_string(*period)));
  }
  return absl::OkStatus();
}

// blkio.weight with CFQ, blkio.bfq.weight with BFQ; "" when neither exists.
std::string BlkioWeightFile(const std::string& dir) {
  if (CgroupFileExists(dir, "blkio.weight")) return "blkio.weight";
  if (CgroupFileExists(dir, "blkio.bfq.weight")) return "blkio.bfq.weight";
  return "";
}

absl::Status WriteBlkioWeights(const std::string& dir, const spec::BlockIo& io) {
  std::string weight_file = BlkioWeightFile(dir);
  bool wants_weight = (io.weight && *io.weight != 0);
  for (const spec::WeightDevice& d : io.weight_device) wants_weight = wants_weight || d.weight;
  if (wants_weight && weight_file.empty()) {
    return FailedPreconditionf(
        "blockIO weight: {} has neither blkio.weight nor blkio.bfq.weight (the disks' I/O "
        "scheduler is not CFQ or BFQ)",
        dir);
  }
  if (io.weight && *io.weight != 0) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, weight_file, std::to_string(*io.weight)));
  }
  for (const spec::WeightDevice& d : io.weight_device) {
    if (!d.weight) continue;
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, weight_file + "_device",
                                          fmt::format("{}:{} {}", d.major, d.minor, *d.weight)));
  }
  return absl::OkStatus();
}

// CFQ's leaf weights; gone with CFQ (kernel 5.0), so warn rather than fail.
absl::Status WriteBlkioLeafWeights(const std::string& dir, const spec::BlockIo& io) {
  bool wanted = io.leaf_weight.has_value();
  for (const spec::WeightDevice& d : io.weight_device) wanted = wanted || d.leaf_weight;
  if (!wanted) return absl::OkStatus();
  if (!CgroupFileExists(dir, "blkio.leaf_weight")) {
    log::Warnf("blockIO leafWeight: {} has no blkio.leaf_weight (CFQ only); ignored", dir);
    return absl::OkStatus();
  }
  if (io.leaf_weight) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "blkio.leaf_weight", std::to_string(*io.leaf_weight)));
  }
  for (const spec::WeightDevice& d : io.weight_device) {
    if (!d.leaf_weight) continue;
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "blkio.leaf_weight_device",
                        fmt::format("{}:{} {}", d.major, d.minor, *d.leaf_weight)));
  }
  return absl::OkStatus();
}

absl::Status WriteThrottle(const std::string& dir, const char* file,
                           const std::vector<spec::ThrottleDevice>& devices) {
  for (const spec::ThrottleDevice& d : devices) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, file, fmt::format("{}:{} {}", d.major, d.minor, d.rate)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateV1Resources(const spec::Resources& r) {
  if (r.memory) BERTH_RETURN_IF_ERROR(ValidateV1Memory(*r.memory));
  if (r.cpu) BERTH_RETURN_IF_ERROR(ValidateV1Cpu(*r.cpu));
  for (const spec::HugepageLimit& h : r.hugepage_limits) {
    BERTH_RETURN_IF_ERROR(ValidateHugepageSize(h.page_size, {}));
  }
  return ValidateDeviceRules(r.devices);
}

absl::Status ApplyV1Memory(const std::string& dir, const spec::Memory& m) {
  BERTH_RETURN_IF_ERROR(ValidateV1Memory(m));
  BERTH_RETURN_IF_ERROR(WriteMemoryAndSwap(dir, m));
  if (std::optional<int64_t> reservation = NonZero(m.reservation)) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "memory.soft_limit_in_bytes", std::to_string(*reservation)));
  }
  BERTH_RETURN_IF_ERROR(
      WriteKmemLimit(dir, "memory.kmem.limit_in_bytes", NonZero(m.kernel), "memory.kernel"));
  BERTH_RETURN_IF_ERROR(WriteKmemLimit(dir, "memory.kmem.tcp.limit_in_bytes", NonZero(m.kernel_tcp),
                                       "memory.kernelTCP"));
  return WriteMemoryFlags(dir, m);
}

absl::Status ApplyV1Cpu(const std::string& dir, const spec::Cpu& cpu) {
  BERTH_RETURN_IF_ERROR(ValidateV1Cpu(cpu));
  if (std::optional<uint64_t> shares = NonZero(cpu.shares)) {
    BERTH_RETURN_IF_ERROR(WriteShares(dir, *shares));
  }
  BERTH_RETURN_IF_ERROR(WriteCfs(dir, cpu));
  if (cpu.idle) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpu.idle", std::to_string(*cpu.idle)));
  return WriteRealtime(dir, cpu);
}

absl::Status ApplyV1Cpuset(const std::string& dir, const spec::Cpu& cpu) {
  if (!cpu.cpus.empty()) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpuset.cpus", cpu.cpus));
  if (!cpu.mems.empty()) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "cpuset.mems", cpu.mems));
  return absl::OkStatus();
}

absl::Status ApplyV1Pids(const std::string& dir, const spec::Pids& pids) {
  return WriteCgroupFile(dir, "pids.max", pids.limit <= 0 ? "max" : std::to_string(pids.limit));
}

absl::Status ApplyV1BlockIo(const std::string& dir, const spec::BlockIo& io) {
  BERTH_RETURN_IF_ERROR(WriteBlkioWeights(dir, io));
  BERTH_RETURN_IF_ERROR(WriteBlkioLeafWeights(dir, io));
  BERTH_RETURN_IF_ERROR(
      WriteThrottle(dir, "blkio.throttle.read_bps_device", io.throttle_read_bps_device));
  BERTH_RETURN_IF_ERROR(
      WriteThrottle(dir, "blkio.throttle.write_bps_device", io.throttle_write_bps_device));
  BERTH_RETURN_IF_ERROR(
      WriteThrottle(dir, "blkio.throttle.read_iops_device", io.throttle_read_iops_device));
  return WriteThrottle(dir, "blkio.throttle.write_iops_device", io.throttle_write_iops_device);
}

absl::Status ApplyV1Hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits,
                            const std::vector<std::string>& host_sizes) {
  for (const spec::HugepageLimit& h : limits) {
    BERTH_RETURN_IF_ERROR(ValidateHugepageSize(h.page_size, host_sizes));
  }
  for (const spec::HugepageLimit& h : limits) {
    std::string value = std::to_string(h.limit);
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "hugetlb." + h.page_size + ".limit_in_bytes", value));
    std::string rsvd = "hugetlb." + h.page_size + ".rsvd.limit_in_bytes";
    if (CgroupFileExists(dir, rsvd)) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, rsvd, value));
  }
  return absl::OkStatus();
}

absl::Status ApplyV1NetCls(const std::string& dir, uint32_t class_id) {
  return WriteCgroupFile(dir, "net_cls.classid", std::to_string(class_id));
}

absl::Status ApplyV1NetPrio(const std::string& dir,
                            const std::vector<spec::InterfacePriority>& priorities) {
  for (const spec::InterfacePriority& p : priorities) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, "net_prio.ifpriomap", fmt::format("{} {}", p.name, p.priority)));
  }
  return absl::OkStatus();
}

absl::Status ApplyV1Rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma) {
  for (const auto& [device, limits] : rdma) {
    std::string line = RdmaMaxLine(device, limits);
    if (!line.empty()) BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, "rdma.max", line));
  }
  return absl::OkStatus();
}

absl::Status ApplyV1Devices(const std::string& dir, const std::vector<spec::DeviceRule>& rules) {
  BERTH_RETURN_IF_ERROR(ValidateDeviceRules(rules));
  for (const spec::DeviceRule& rule : rules) {
    BERTH_RETURN_IF_ERROR(
        WriteCgroupFile(dir, rule.allow ? "devices.allow" : "devices.deny", DeviceRuleLine(rule)));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::cgroups

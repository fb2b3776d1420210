#include "runtime/cgroups/v2_resources.h"

#include <errno.h>

#include <limits>
#include <utility>

#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_fs.h"
#include "runtime/cgroups/devices.h"
#include "runtime/cgroups/resource_util.h"
#include "runtime/cgroups/v2_devices_bpf.h"

namespace berth::runtime::cgroups {
namespace {

constexpr uint64_t kMaxShares = 262144;  // the kernel's MAX_SHARES (1 << 18)
constexpr uint64_t kMinShares = 2;
constexpr uint64_t kDefaultCpuPeriod = 100000;
constexpr uint64_t kDefaultSwappiness = 60;
constexpr uint64_t kUnsetSwappiness = std::numeric_limits<uint64_t>::max();  // -1 as uint64

// A write whose ENOENT most likely means the controller is not enabled in the
// parent's cgroup.subtree_control; say so.
absl::Status Write(const std::string& dir, std::string_view file, std::string_view value) {
  absl::Status status = WriteCgroupFile(dir, file, value);
  if (!status.ok() && ErrnoOf(status) == ENOENT) {
    return absl::Status(status.code(),
                        fmt::format("{} (is the {} controller enabled in the parent's "
                                    "cgroup.subtree_control?)",
                                    ToStd(status.message()), ControllerOfFile(file)));
  }
  return status;
}

std::string LimitString(int64_t value) { return value == -1 ? "max" : std::to_string(value); }

absl::Status ValidateV2Memory(const spec::Memory& m) {
  BERTH_RETURN_IF_ERROR(CheckLimit(m.limit, "memory.limit"));
  BERTH_RETURN_IF_ERROR(CheckLimit(m.swap, "memory.swap"));
  BERTH_RETURN_IF_ERROR(CheckLimit(m.reservation, "memory.reservation"));
  BERTH_RETURN_IF_ERROR(SwapMaxValue(NonZero(m.swap), NonZero(m.limit)).status());
  if (m.swappiness && *m.swappiness != kUnsetSwappiness && *m.swappiness != kDefaultSwappiness) {
    return InvalidArgumentf(
        "memory.swappiness {}: cgroup v2 has no per-cgroup swappiness; leave it unset",
        *m.swappiness);
  }
  return absl::OkStatus();
}

absl::Status ValidateV2Cpu(const spec::Cpu& cpu) {
  if (cpu.shares && *cpu.shares > kMaxShares) {
    return InvalidArgumentf("cpu.shares {} is above the maximum {}", *cpu.shares, kMaxShares);
  }
  BERTH_RETURN_IF_ERROR(CheckLimit(cpu.quota, "cpu.quota"));
  if ((cpu.realtime_runtime && *cpu.realtime_runtime != 0) ||
      (cpu.realtime_period && *cpu.realtime_period != 0)) {
    return InvalidArgumentf(
        "cpu.realtimeRuntime / cpu.realtimePeriod: cgroup v2 has no realtime CPU limits "
        "(cpu.rt_runtime_us exists only on cgroup v1)");
  }
  return absl::OkStatus();
}

absl::Status CheckBlkioWeight(std::optional<uint16_t> weight, std::string_view what) {
  if (weight && *weight != 0 && (*weight < 10 || *weight > 1000)) {
    return InvalidArgumentf("{} {} is outside 10..1000", what, *weight);
  }
  return absl::OkStatus();
}

absl::Status ValidateV2Io(const spec::BlockIo& io) {
  BERTH_RETURN_IF_ERROR(CheckBlkioWeight(io.weight, "blockIO.weight"));
  for (const spec::WeightDevice& d : io.weight_device) {
    BERTH_RETURN_IF_ERROR(CheckBlkioWeight(d.weight, "blockIO.weightDevice weight"));
  }
  return absl::OkStatus();
}

absl::Status ValidateUnifiedShape(const std::string& key) {
  if (key.empty() || key.find('/') != std::string::npos || key == "." || key == ".." ||
      key.find('\0') != std::string::npos) {
    return InvalidArgumentf("linux.resources.unified: key \"{}\" is not a plain cgroup file name",
                            key);
  }
  if (key.find('.') == std::string::npos || key.front() == '.') {
    return InvalidArgumentf(
        "linux.resources.unified: key \"{}\" is not a cgroup file name (<controller>.<file>)", key);
  }
  return absl::OkStatus();
}

// The current "QUOTA PERIOD" of cpu.max, defaulting to "max 100000".
std::pair<std::string, std::string> CurrentCpuMax(const std::string& dir) {
  std::pair<std::string, std::string> out = {"max", std::to_string(kDefaultCpuPeriod)};
  absl::StatusOr<std::string> content = ReadCgroupFile(dir, "cpu.max");
  if (!content.ok()) return out;
  std::vector<std::string> words = SplitWords(*content);
  if (words.size() >= 1) out.first = words[0];
  if (words.size() >= 2) out.second = words[1];
  return out;
}

absl::Status WriteCpuMax(const std::string& dir, const spec::Cpu& cpu) {
  std::optional<int64_t> quota = NonZero(cpu.quota);
  std::optional<uint64_t> period = NonZero(cpu.period);
  if (!quota && !period) return absl::OkStatus();
  auto [current_quota, current_period] = CurrentCpuMax(dir);
  std::string quota_str = quota ? LimitString(*quota) : current_quota;
  std::string period_str = period ? std::to_string(*period) : current_period;
  return Write(dir, "cpu.max", quota_str + " " + period_str);
}

absl::Status CheckMemoryUsage(const std::string& dir, int64_t limit) {
  absl::StatusOr<uint64_t> usage = ReadCgroupUint(dir, "memory.current");
  if (!usage.ok()) return absl::OkStatus();  // nothing to compare with
  if (*usage > static_cast<uint64_t>(limit)) {
    return FailedPreconditionf(
        "memory.limit {} is below the current usage {} of {} (memory.checkBeforeUpdate)", limit,
        *usage, dir);
  }
  return absl::OkStatus();
}

absl::Status WriteSwapMax(const std::string& dir, const std::string& value) {
  bool memory_enabled = CgroupFileExists(dir, "memory.max");
  if (memory_enabled && !CgroupFileExists(dir, "memory.swap.max")) {
    if (value == "max") return absl::OkStatus();  // no swap accounting: unlimited is what we have
    return FailedPreconditionf(
        "memory.swap requested but {} has no memory.swap.max (the kernel does not account swap; "
        "boot with swapaccount=1 or CONFIG_MEMCG_SWAP)",
        dir);
  }
  return Write(dir, "memory.swap.max", value);
}

void WarnIgnoredMemoryFields(const spec::Memory& m) {
  if (NonZero(m.kernel) || NonZero(m.kernel_tcp)) {
    log::Warnf("memory.kernel / memory.kernelTCP are not supported on cgroup v2; ignored");
  }
  if (m.disable_oom_killer.value_or(false)) {
    log::Warnf("memory.disableOOMKiller is not supported on cgroup v2; ignored");
  }
  if (m.use_hierarchy && !*m.use_hierarchy) {
    log::Warnf("memory.useHierarchy=false: cgroup v2 is always hierarchical; ignored");
  }
}

// io.weight / io.bfq.weight for the container default and per device.
absl::Status WriteIoWeights(const std::string& dir, const spec::BlockIo& io) {
  bool bfq = CgroupFileExists(dir, "io.bfq.weight");
  std::string file = bfq ? "io.bfq.weight" : "io.weight";
  auto value = [bfq](uint16_t w) { return bfq ? uint64_t{w} : BlkioWeightToIoWeight(w); };
  if (io.weight && *io.weight != 0) {
    BERTH_RETURN_IF_ERROR(Write(dir, file, std::to_string(value(*io.weight))));
  }
  for (const spec::WeightDevice& d : io.weight_device) {
    if (!d.weight || *d.weight == 0) continue;
    BERTH_RETURN_IF_ERROR(
        Write(dir, file, fmt::format("{}:{} {}", d.major, d.minor, value(*d.weight))));
  }
  return absl::OkStatus();
}

// io.max: one line per device, keys in rbps, wbps, riops, wiops order; a
// rate of 0 means unlimited, as it does in v1.
absl::Status WriteIoMax(const std::string& dir, const spec::BlockIo& io) {
  std::vector<std::pair<std::string, std::string>> lines;  // device -> keys, in first-seen order
  auto add = [&lines](const std::vector<spec::ThrottleDevice>& devices, std::string_view key) {
    for (const spec::ThrottleDevice& d : devices) {
      std::string device = fmt::format("{}:{}", d.major, d.minor);
      std::string item = fmt::format(" {}={}", key, d.rate == 0 ? "max" : std::to_string(d.rate));
      auto it = std::find_if(lines.begin(), lines.end(),
                             [&](const auto& line) { return line.first == device; });
      if (it == lines.end()) {
        lines.emplace_back(device, item);
      } else {
        it->second += item;
      }
    }
  };
  add(io.throttle_read_bps_device, "rbps");
  add(io.throttle_write_bps_device, "wbps");
  add(io.throttle_read_iops_device, "riops");
  add(io.throttle_write_iops_device, "wiops");
  for (const auto& [device, items] : lines) {
    BERTH_RETURN_IF_ERROR(Write(dir, "io.max", device + items));
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& ManagedV2Controllers() {
  static const auto* controllers = new std::vector<std::string>{"cpuset",  "cpu",  "io",   "memory",
                                                                "hugetlb", "pids", "rdma", "misc"};
  return *controllers;
}

absl::Status EnableControllers(const std::string& mount, const std::string& dir,
                               const std::vector<std::string>& wanted) {
  std::vector<std::string> chain = DirChain(mount, dir);
  chain.pop_back();  // the container's own directory keeps its subtree_control empty
  for (const std::string& ancestor : chain) {
    BERTH_ASSIGN_OR_RETURN(std::string available, ReadCgroupFile(ancestor, "cgroup.controllers"));
    BERTH_ASSIGN_OR_RETURN(std::string enabled, ReadCgroupFile(ancestor, "cgroup.subtree_control"));
    std::vector<std::string> available_list = SplitWords(available);
    std::vector<std::string> enabled_list = SplitWords(enabled);
    for (const std::string& controller : wanted) {
      if (!Contains(available_list, controller) || Contains(enabled_list, controller)) continue;
      BERTH_RETURN_IF_ERROR(WriteCgroupFile(ancestor, "cgroup.subtree_control", "+" + controller));
    }
  }
  return absl::OkStatus();
}

uint64_t CpuSharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  shares = std::clamp(shares, kMinShares, kMaxShares);
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t BlkioWeightToIoWeight(uint64_t weight) {
  if (weight == 0) return 0;
  weight = std::clamp<uint64_t>(weight, 10, 1000);
  return 1 + (weight - 10) * 9999 / 990;
}

absl::StatusOr<std::optional<std::string>> SwapMaxValue(std::optional<int64_t> swap,
                                                        std::optional<int64_t> limit) {
  if (limit == -1 && !swap) return std::optional<std::string>("max");
  if (!swap) return std::optional<std::string>();
  if (*swap == -1) return std::optional<std::string>("max");
  if (!limit || *limit == -1) {
    return InvalidArgumentf(
        "memory.swap {} without a memory.limit: cgroup v2 limits swap separately "
        "(memory.swap.max = swap - limit), which needs a memory limit",
        *swap);
  }
  if (*swap < *limit) {
    return InvalidArgumentf("memory.swap {} (memory+swap) is below memory.limit {}", *swap, *limit);
  }
  return std::optional<std::string>(std::to_string(*swap - *limit));
}

absl::Status ValidateV2Resources(const spec::Resources& r) {
  if (r.memory) BERTH_RETURN_IF_ERROR(ValidateV2Memory(*r.memory));
  if (r.cpu) BERTH_RETURN_IF_ERROR(ValidateV2Cpu(*r.cpu));
  if (r.block_io) BERTH_RETURN_IF_ERROR(ValidateV2Io(*r.block_io));
  for (const spec::HugepageLimit& h : r.hugepage_limits) {
    BERTH_RETURN_IF_ERROR(ValidateHugepageSize(h.page_size, {}));
  }
  BERTH_RETURN_IF_ERROR(ValidateDeviceRules(r.devices));
  for (const auto& [key, value] : r.unified) BERTH_RETURN_IF_ERROR(ValidateUnifiedShape(key));
  return absl::OkStatus();
}

absl::Status ApplyV2Memory(const std::string& dir, const spec::Memory& m) {
  BERTH_RETURN_IF_ERROR(ValidateV2Memory(m));
  std::optional<int64_t> limit = NonZero(m.limit);
  std::optional<int64_t> reservation = NonZero(m.reservation);
  if (limit && *limit > 0 && m.check_before_update.value_or(false)) {
    BERTH_RETURN_IF_ERROR(CheckMemoryUsage(dir, *limit));
  }
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> swap_max, SwapMaxValue(NonZero(m.swap), limit));
  if (swap_max) BERTH_RETURN_IF_ERROR(WriteSwapMax(dir, *swap_max));
  if (limit) BERTH_RETURN_IF_ERROR(Write(dir, "memory.max", LimitString(*limit)));
  if (reservation) BERTH_RETURN_IF_ERROR(Write(dir, "memory.low", LimitString(*reservation)));
  WarnIgnoredMemoryFields(m);
  return absl::OkStatus();
}

absl::Status ApplyV2Cpu(const std::string& dir, const spec::Cpu& cpu) {
  BERTH_RETURN_IF_ERROR(ValidateV2Cpu(cpu));
  if (cpu.idle) BERTH_RETURN_IF_ERROR(Write(dir, "cpu.idle", std::to_string(*cpu.idle)));
  if (std::optional<uint64_t> shares = NonZero(cpu.shares)) {
    BERTH_RETURN_IF_ERROR(Write(dir, "cpu.weight", std::to_string(CpuSharesToWeight(*shares))));
  }
  // A burst above the old quota is refused until the new quota is in.
  bool burst_pending = false;
  if (cpu.burst) {
    absl::Status status = Write(dir, "cpu.max.burst", std::to_string(*cpu.burst));
    burst_pending = !status.ok() && ErrnoOf(status) == EINVAL && NonZero(cpu.quota);
    if (!status.ok() && !burst_pending) return status;
  }
  BERTH_RETURN_IF_ERROR(WriteCpuMax(dir, cpu));
  if (burst_pending) {
    BERTH_RETURN_IF_ERROR(Write(dir, "cpu.max.burst", std::to_string(*cpu.burst)));
  }
  return absl::OkStatus();
}

absl::Status ApplyV2Cpuset(const std::string& dir, const spec::Cpu& cpu) {
  if (!cpu.cpus.empty()) BERTH_RETURN_IF_ERROR(Write(dir, "cpuset.cpus", cpu.cpus));
  if (!cpu.mems.empty()) BERTH_RETURN_IF_ERROR(Write(dir, "cpuset.mems", cpu.mems));
  return absl::OkStatus();
}

absl::Status ApplyV2Pids(const std::string& dir, const spec::Pids& pids) {
  return Write(dir, "pids.max", pids.limit <= 0 ? "max" : std::to_string(pids.limit));
}

absl::Status ApplyV2Io(const std::string& dir, const spec::BlockIo& io) {
  BERTH_RETURN_IF_ERROR(ValidateV2Io(io));
  BERTH_RETURN_IF_ERROR(WriteIoWeights(dir, io));
  bool leaf = io.leaf_weight.has_value();
  for (const spec::WeightDevice& d : io.weight_device) leaf = leaf || d.leaf_weight.has_value();
  if (leaf) log::Warnf("blockIO leafWeight is not supported on cgroup v2; ignored");
  return WriteIoMax(dir, io);
}

absl::Status ApplyV2Hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits,
                            const std::vector<std::string>& host_sizes) {
  for (const spec::HugepageLimit& h : limits) {
    BERTH_RETURN_IF_ERROR(ValidateHugepageSize(h.page_size, host_sizes));
  }
  for (const spec::HugepageLimit& h : limits) {
    std::string value = std::to_string(h.limit);
    BERTH_RETURN_IF_ERROR(Write(dir, "hugetlb." + h.page_size + ".max", value));
    std::string rsvd = "hugetlb." + h.page_size + ".rsvd.max";
    if (CgroupFileExists(dir, rsvd)) BERTH_RETURN_IF_ERROR(Write(dir, rsvd, value));
  }
  return absl::OkStatus();
}

absl::Status ApplyV2Rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma) {
  for (const auto& [device, limits] : rdma) {
    std::string line = RdmaMaxLine(device, limits);
    if (!line.empty()) BERTH_RETURN_IF_ERROR(Write(dir, "rdma.max", line));
  }
  return absl::OkStatus();
}

absl::Status ApplyV2Devices(const std::string& dir, const std::vector<spec::DeviceRule>& rules) {
  BERTH_ASSIGN_OR_RETURN(std::vector<bpf_insn> program, BuildDeviceFilter(rules));
  return AttachDeviceFilter(dir, program);
}

absl::Status ValidateUnifiedKey(const std::string& key, const std::vector<std::string>& available,
                                const std::string& where) {
  BERTH_RETURN_IF_ERROR(ValidateUnifiedShape(key));
  std::string controller = ControllerOfFile(key);
  if (controller == "cgroup" || Contains(available, controller)) return absl::OkStatus();
  return InvalidArgumentf(
      "linux.resources.unified: key \"{}\": the {} controller is not available for {} "
      "(available: {})",
      key, controller, where, available.empty() ? "none" : Join(available, " "));
}

absl::Status ApplyV2Unified(const std::string& dir,
                            const std::map<std::string, std::string>& unified,
                            const std::vector<std::string>& available) {
  for (const auto& [key, value] : unified) {
    BERTH_RETURN_IF_ERROR(ValidateUnifiedKey(key, available, dir));
  }
  for (const auto& [key, value] : unified) {
    BERTH_RETURN_IF_ERROR(WriteCgroupFile(dir, key, value));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::cgroups

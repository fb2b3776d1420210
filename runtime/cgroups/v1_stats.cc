// V1Manager::GetStats: cpuacct, cpu, memory, pids, blkio and hugetlb files.
#include <unistd.h>

#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/stats_files.h"
#include "runtime/cgroups/v1_manager.h"
#include "runtime/cgroups/v2_tree.h"

namespace berth::runtime::cgroups {
namespace {

std::vector<uint64_t> ReadList(const std::string& dir, const std::string& file) {
  std::vector<uint64_t> out;
  absl::StatusOr<std::string> text = ReadCgroupFile(dir, file);
  if (!text.ok()) return out;
  for (std::string_view v : Split(TrimSpace(*text), ' ', true)) {
    out.push_back(ParseUint64(v).value_or(0));
  }
  return out;
}

uint64_t ReadOr0(const std::string& dir, const std::string& file) {
  absl::StatusOr<uint64_t> v = ReadCgroupUint(dir, file);
  return v.ok() ? *v : 0;
}

MemoryEntry ReadMemoryEntry(const std::string& dir, const std::string& prefix) {
  MemoryEntry e;
  e.usage = ReadOr0(dir, prefix + ".usage_in_bytes");
  e.max = ReadOr0(dir, prefix + ".max_usage_in_bytes");
  e.failcnt = ReadOr0(dir, prefix + ".failcnt");
  e.limit = ReadOr0(dir, prefix + ".limit_in_bytes");
  return e;
}

void ReadCpu(const std::string& cpuacct, const std::string& cpu, CpuStats* out) {
  if (!cpuacct.empty()) {
    out->total_usage = ReadOr0(cpuacct, "cpuacct.usage");
    out->percpu = ReadList(cpuacct, "cpuacct.usage_percpu");
    out->percpu_kernel = ReadList(cpuacct, "cpuacct.usage_percpu_sys");
    out->percpu_user = ReadList(cpuacct, "cpuacct.usage_percpu_user");
    if (auto stat = ReadFlatKeyed(cpuacct, "cpuacct.stat"); stat.ok()) {
      // USER_HZ ticks -> nanoseconds.
      uint64_t ns_per_tick = 1000000000ULL / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
      out->user = (*stat)["user"] * ns_per_tick;
      out->kernel = (*stat)["system"] * ns_per_tick;
    }
  }
  if (!cpu.empty()) {
    if (auto stat = ReadFlatKeyed(cpu, "cpu.stat"); stat.ok()) {
      out->periods = (*stat)["nr_periods"];
      out->throttled_periods = (*stat)["nr_throttled"];
      out->throttled_time = (*stat)["throttled_time"];
    }
  }
}

}  // namespace

absl::StatusOr<Stats> V1Manager::GetStats() {
  Stats stats;
  ReadCpu(Dir("cpuacct"), Dir("cpu"), &stats.cpu);
  if (std::string dir = Dir("memory"); !dir.empty()) {
    MemoryStats& m = stats.memory;
    m.usage = ReadMemoryEntry(dir, "memory");
    if (CgroupFileExists(dir, "memory.memsw.usage_in_bytes")) {
      m.swap = ReadMemoryEntry(dir, "memory.memsw");
    }
    m.kernel = ReadMemoryEntry(dir, "memory.kmem");
    m.kernel_tcp = ReadMemoryEntry(dir, "memory.kmem.tcp");
    if (auto raw = ReadFlatKeyed(dir, "memory.stat"); raw.ok()) {
      m.raw = *raw;
      m.cache = m.raw.count("cache") ? m.raw["cache"] : 0;
    }
    if (auto oom = ReadFlatKeyed(dir, "memory.oom_control"); oom.ok()) {
      m.oom_kills = (*oom)["oom_kill"];
    }
  }
  if (std::string dir = Dir("pids"); !dir.empty()) {
    stats.pids.current = ReadOr0(dir, "pids.current");
    uint64_t max = ReadOr0(dir, "pids.max");
    stats.pids.limit = max == UINT64_MAX ? 0 : max;
  }
  if (std::string dir = Dir("blkio"); !dir.empty()) {
    stats.blkio.io_service_bytes_recursive =
        ReadBlkioV1(dir, "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes");
    stats.blkio.io_serviced_recursive =
        ReadBlkioV1(dir, "blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced");
  }
  for (const std::string& size : HugePageSizes()) {
    if (std::string dir = Dir("hugetlb"); !dir.empty()) {
      HugetlbStats& h = stats.hugetlb[size];
      h.usage = ReadOr0(dir, "hugetlb." + size + ".usage_in_bytes");
      h.max = ReadOr0(dir, "hugetlb." + size + ".max_usage_in_bytes");
      h.failcnt = ReadOr0(dir, "hugetlb." + size + ".failcnt");
    } else if (!unified_dir_.empty() && CgroupFileExists(unified_dir_, "hugetlb." + size + ".current")) {
      stats.hugetlb[size] = ReadHugetlbV2(unified_dir_, size);
    }
  }
  return stats;
}

}  // namespace berth::runtime::cgroups

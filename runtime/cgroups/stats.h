// Cgroup statistics, shaped like runc's `events --stats` output
// (runc types/events.go) so tools that parse runc's JSON parse ours.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"

namespace berth::runtime::cgroups {

struct CpuStats {
  uint64_t total_usage = 0;  // nanoseconds
  std::vector<uint64_t> percpu;
  std::vector<uint64_t> percpu_kernel;
  std::vector<uint64_t> percpu_user;
  uint64_t kernel = 0;  // nanoseconds
  uint64_t user = 0;
  uint64_t periods = 0;
  uint64_t throttled_periods = 0;
  uint64_t throttled_time = 0;  // nanoseconds
};

struct MemoryEntry {
  uint64_t limit = 0;
  uint64_t usage = 0;
  uint64_t max = 0;
  uint64_t failcnt = 0;
};

struct MemoryStats {
  uint64_t cache = 0;
  MemoryEntry usage;
  MemoryEntry swap;
  MemoryEntry kernel;
  MemoryEntry kernel_tcp;
  std::map<std::string, uint64_t> raw;  // memory.stat
  uint64_t oom_kills = 0;  // v1 memory.oom_control oom_kill / v2 memory.events oom_kill
};

struct PidsStats {
  uint64_t current = 0;
  uint64_t limit = 0;  // 0 means unlimited
};

struct BlkioEntry {
  uint64_t major = 0;
  uint64_t minor = 0;
  std::string op;  // Read, Write, Sync, Async, Discard, Total
  uint64_t value = 0;
};

struct BlkioStats {
  std::vector<BlkioEntry> io_service_bytes_recursive;
  std::vector<BlkioEntry> io_serviced_recursive;
};

struct HugetlbStats {
  uint64_t usage = 0;
  uint64_t max = 0;
  uint64_t failcnt = 0;
};

// v1 cpuset: the cgroup's cpus and mems and its flag files.
struct CpusetStats {
  std::vector<uint16_t> cpus;
  std::vector<uint16_t> mems;
  uint64_t cpu_exclusive = 0;
  uint64_t mem_hardwall = 0;
  uint64_t mem_exclusive = 0;
  uint64_t memory_migrate = 0;
  uint64_t memory_spread_page = 0;
  uint64_t memory_spread_slab = 0;
  uint64_t memory_pressure = 0;
  uint64_t sched_load_balance = 0;
  int64_t sched_relax_domain_level = 0;
};

struct Stats {
  CpuStats cpu;
  CpusetStats cpuset;
  MemoryStats memory;
  PidsStats pids;
  BlkioStats blkio;
  std::map<std::string, HugetlbStats> hugetlb;  // page size ("2MB") -> stats
};

// runc's JSON for the "data" member of a stats event: its types.Stats with
// Go's encoding (omitempty fields left out when zero, "hugetlb" an object,
// "intel_rdt" {} and "network_interfaces" null).
json::Json StatsToJson(const Stats& stats);

// "0-2,4" -> {0, 1, 2, 4} (cpuset.cpus / cpuset.mems syntax); nullopt when
// malformed.
std::optional<std::vector<uint16_t>> ParseCpuList(std::string_view list);

}  // namespace berth::runtime::cgroups

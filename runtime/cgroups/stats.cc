#include "runtime/cgroups/stats.h"

namespace berth::runtime::cgroups {
namespace {

using json::Json;

// runc's JSON tags: omitempty fields vanish when zero.
void PutIfNonZero(Json& j, const char* key, uint64_t value) {
  if (value != 0) j[key] = value;
}

Json MemoryEntryJson(const MemoryEntry& e) {
  Json j = {{"limit", e.limit}, {"failcnt", e.failcnt}};
  PutIfNonZero(j, "usage", e.usage);
  PutIfNonZero(j, "max", e.max);
  return j;
}

Json BlkioJson(const std::vector<BlkioEntry>& entries) {
  Json arr = Json::array();
  for (const BlkioEntry& e : entries) {
    Json j = Json::object();
    PutIfNonZero(j, "major", e.major);
    PutIfNonZero(j, "minor", e.minor);
    if (!e.op.empty()) j["op"] = e.op;
    PutIfNonZero(j, "value", e.value);
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace

json::Json StatsToJson(const Stats& s) {
  Json usage = {{"kernel", s.cpu.kernel}, {"user", s.cpu.user}};
  PutIfNonZero(usage, "total", s.cpu.total_usage);
  if (!s.cpu.percpu.empty()) usage["percpu"] = s.cpu.percpu;
  if (!s.cpu.percpu_kernel.empty()) usage["percpu_kernel"] = s.cpu.percpu_kernel;
  if (!s.cpu.percpu_user.empty()) usage["percpu_user"] = s.cpu.percpu_user;
  Json throttling = Json::object();
  PutIfNonZero(throttling, "periods", s.cpu.periods);
  PutIfNonZero(throttling, "throttledPeriods", s.cpu.throttled_periods);
  PutIfNonZero(throttling, "throttledTime", s.cpu.throttled_time);

  Json memory = {{"usage", MemoryEntryJson(s.memory.usage)},
                 {"swap", MemoryEntryJson(s.memory.swap)},
                 {"kernel", MemoryEntryJson(s.memory.kernel)},
                 {"kernelTCP", MemoryEntryJson(s.memory.kernel_tcp)}};
  PutIfNonZero(memory, "cache", s.memory.cache);
  if (!s.memory.raw.empty()) memory["raw"] = s.memory.raw;

  Json pids = Json::object();
  PutIfNonZero(pids, "current", s.pids.current);
  PutIfNonZero(pids, "limit", s.pids.limit);

  Json blkio = Json::object();
  if (!s.blkio.io_service_bytes_recursive.empty()) {
    blkio["ioServiceBytesRecursive"] = BlkioJson(s.blkio.io_service_bytes_recursive);
  }
  if (!s.blkio.io_serviced_recursive.empty()) {
    blkio["ioServicedRecursive"] = BlkioJson(s.blkio.io_serviced_recursive);
  }

  Json hugetlb = Json::object();
  for (const auto& [size, h] : s.hugetlb) {
    Json j = {{"failcnt", h.failcnt}};
    PutIfNonZero(j, "usage", h.usage);
    PutIfNonZero(j, "max", h.max);
    hugetlb[size] = std::move(j);
  }
  return Json{{"cpu", {{"usage", usage}, {"throttling", throttling}}},
              {"cpuset", {{"cpu_exclusive", 0}, {"mem_hardwall", 0}, {"mem_exclusive", 0},
                          {"memory_migrate", 0}, {"memory_spread_page", 0},
                          {"memory_spread_slab", 0}, {"memory_pressure", 0},
                          {"sched_load_balance", 0}, {"sched_relax_domain_level", 0}}},
              {"memory", memory},
              {"pids", pids},
              {"blkio", blkio},
              {"hugetlb", hugetlb},
              {"intel_rdt", Json::object()},
              {"network_interfaces", nullptr}};
}

}  // namespace berth::runtime::cgroups

#include "runtime/cgroups/stats.h"

#include <limits>

#include "common/strings.h"

namespace berth::runtime::cgroups {
namespace {

using json::Json;

// Go's `json:",omitempty"` for numbers: set only when non-zero.
template <typename T>
void SetNonZero(Json* object, const char* key, T value) {
  if (value != 0) (*object)[key] = value;
}

template <typename T>
void SetNonEmpty(Json* object, const char* key, const std::vector<T>& values) {
  if (!values.empty()) (*object)[key] = values;
}

Json CpuJson(const CpuStats& cpu) {
  Json usage = Json::object();
  SetNonZero(&usage, "total", cpu.total_usage);
  SetNonEmpty(&usage, "percpu", cpu.percpu);
  SetNonEmpty(&usage, "percpu_kernel", cpu.percpu_kernel);
  SetNonEmpty(&usage, "percpu_user", cpu.percpu_user);
  usage["kernel"] = cpu.kernel;
  usage["user"] = cpu.user;
  Json throttling = Json::object();
  SetNonZero(&throttling, "periods", cpu.periods);
  SetNonZero(&throttling, "throttledPeriods", cpu.throttled_periods);
  SetNonZero(&throttling, "throttledTime", cpu.throttled_time);
  return Json{{"usage", usage}, {"throttling", throttling}};
}

Json CpusetJson(const CpusetStats& c) {
  Json out = Json::object();
  SetNonEmpty(&out, "cpus", c.cpus);
  SetNonEmpty(&out, "mems", c.mems);
  out["cpu_exclusive"] = c.cpu_exclusive;
  out["mem_hardwall"] = c.mem_hardwall;
  out["mem_exclusive"] = c.mem_exclusive;
  out["memory_migrate"] = c.memory_migrate;
  out["memory_spread_page"] = c.memory_spread_page;
  out["memory_spread_slab"] = c.memory_spread_slab;
  out["memory_pressure"] = c.memory_pressure;
  out["sched_load_balance"] = c.sched_load_balance;
  out["sched_relax_domain_level"] = c.sched_relax_domain_level;
  return out;
}

Json MemoryEntryJson(const MemoryEntry& e) {
  Json out = {{"limit", e.limit}, {"failcnt", e.failcnt}};
  SetNonZero(&out, "usage", e.usage);
  SetNonZero(&out, "max", e.max);
  return out;
}

Json MemoryJson(const MemoryStats& m) {
  Json out = Json::object();
  SetNonZero(&out, "cache", m.cache);
  out["usage"] = MemoryEntryJson(m.usage);
  out["swap"] = MemoryEntryJson(m.swap);
  out["kernel"] = MemoryEntryJson(m.kernel);
  out["kernelTCP"] = MemoryEntryJson(m.kernel_tcp);
  if (!m.raw.empty()) out["raw"] = m.raw;
  return out;
}

Json BlkioEntriesJson(const std::vector<BlkioEntry>& entries) {
  Json out = Json::array();
  for (const BlkioEntry& e : entries) {
    Json entry = Json::object();
    SetNonZero(&entry, "major", e.major);
    SetNonZero(&entry, "minor", e.minor);
    if (!e.op.empty()) entry["op"] = e.op;
    SetNonZero(&entry, "value", e.value);
    out.push_back(entry);
  }
  return out;
}

Json BlkioJson(const BlkioStats& b) {
  Json out = Json::object();
  if (!b.io_service_bytes_recursive.empty()) {
    out["ioServiceBytesRecursive"] = BlkioEntriesJson(b.io_service_bytes_recursive);
  }
  if (!b.io_serviced_recursive.empty()) {
    out["ioServicedRecursive"] = BlkioEntriesJson(b.io_serviced_recursive);
  }
  return out;
}

Json HugetlbJson(const std::map<std::string, HugetlbStats>& hugetlb) {
  Json out = Json::object();
  for (const auto& [size, h] : hugetlb) {
    Json entry = {{"failcnt", h.failcnt}};
    SetNonZero(&entry, "usage", h.usage);
    SetNonZero(&entry, "max", h.max);
    out[size] = entry;
  }
  return out;
}

}  // namespace

json::Json StatsToJson(const Stats& stats) {
  Json pids = Json::object();
  SetNonZero(&pids, "current", stats.pids.current);
  SetNonZero(&pids, "limit", stats.pids.limit);
  return Json{
      {"cpu", CpuJson(stats.cpu)},          {"cpuset", CpusetJson(stats.cpuset)},
      {"memory", MemoryJson(stats.memory)}, {"pids", pids},
      {"blkio", BlkioJson(stats.blkio)},    {"hugetlb", HugetlbJson(stats.hugetlb)},
      {"intel_rdt", Json::object()},        {"network_interfaces", nullptr},
  };
}

std::optional<std::vector<uint16_t>> ParseCpuList(std::string_view list) {
  std::vector<uint16_t> out;
  constexpr uint64_t kMax = std::numeric_limits<uint16_t>::max();
  for (std::string_view range : Split(TrimSpace(list), ',', true)) {
    auto [first, last] = SplitOnce(range, '-');
    std::optional<uint64_t> from = ParseUint64(first);
    std::optional<uint64_t> to = last ? ParseUint64(*last) : from;
    if (!from || !to || *from > *to || *to > kMax) return std::nullopt;
    for (uint64_t i = *from; i <= *to; ++i) out.push_back(static_cast<uint16_t>(i));
  }
  return out;
}

}  // namespace berth::runtime::cgroups

#include "engined/logs/stats_json.h"

#include "engined/logs/time_parse.h"

namespace berth::engined::logs {
namespace {

using nlohmann::json;

// Go's zero time.Time as encoding/json prints it.
constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

// Go's omitempty: a zero number is left out.
void PutIfNonZero(json& obj, const char* key, uint64_t value) {
  if (value != 0) obj[key] = value;
}

json CpuStatsJson(const std::optional<StatsSample>& sample) {
  json usage = {{"total_usage", 0}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}};
  json throttling = {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}};
  json cpu = json::object();
  if (sample) {
    const auto& c = sample->stats.cpu();
    usage["total_usage"] = c.usage_nsec();
    usage["usage_in_kernelmode"] = c.system_nsec();
    usage["usage_in_usermode"] = c.user_nsec();
    // The shim reads no per-CPU usage (cgroup v2 has none); percpu_usage is
    // omitempty and the CLI then takes online_cpus.
    throttling["throttled_periods"] = c.throttled_periods();
    throttling["throttled_time"] = c.throttled_nsec();
    cpu["cpu_usage"] = usage;
    PutIfNonZero(cpu, "system_cpu_usage", sample->host.system_nanos);
    PutIfNonZero(cpu, "online_cpus", sample->host.online_cpus);
  } else {
    cpu["cpu_usage"] = usage;
  }
  cpu["throttling_data"] = throttling;
  return cpu;
}

json MemoryStatsJson(const StatsSample& sample, uint64_t machine_memory) {
  const auto& m = sample.stats.memory();
  json mem = json::object();
  PutIfNonZero(mem, "usage", m.usage());
  PutIfNonZero(mem, "max_usage", m.max_usage());
  // working_set = usage - inactive_file, so the CLI's usage −
  // total_inactive_file gives back the working set, as with docker.
  uint64_t inactive_file = m.working_set() <= m.usage() ? m.usage() - m.working_set() : 0;
  uint64_t limit = m.limit();
  // docker: a limit above the machine (unlimited) shows the machine.
  if (machine_memory > 0 && (limit == 0 || limit > machine_memory)) limit = machine_memory;
  mem["stats"] = {
      {"cache", m.cache()},
      {"rss", m.rss()},
      {"swap", m.swap()},
      {"inactive_file", inactive_file},
      {"total_cache", m.cache()},
      {"total_rss", m.rss()},
      {"total_swap", m.swap()},
      {"total_inactive_file", inactive_file},
      {"hierarchical_memory_limit", limit},
  };
  PutIfNonZero(mem, "limit", limit);
  return mem;
}

json BlkioEntries(uint64_t read, uint64_t write) {
  // The shim sums over devices, so there is one pseudo device 0:0; the CLI
  // adds up entries by op ("read" / "write", its first letter).
  return json::array({{{"major", 0}, {"minor", 0}, {"op", "read"}, {"value", read}},
                      {{"major", 0}, {"minor", 0}, {"op", "write"}, {"value", write}}});
}

json EmptyBlkio() {
  json blkio = json::object();
  for (const char* key :
       {"io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
        "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
        "io_time_recursive", "sectors_recursive"}) {
    blkio[key] = nullptr;
  }
  return blkio;
}

}  // namespace

json DockerStatsJson(const StatsIdentity& identity, const std::optional<StatsSample>& current,
                     const std::optional<StatsSample>& previous) {
  json out = json::object();
  json pids = json::object();
  json blkio = EmptyBlkio();
  if (current) {
    out["read"] = FormatRfc3339Nano(current->read_nanos);
    out["preread"] = previous ? FormatRfc3339Nano(previous->read_nanos) : kZeroTime;
    PutIfNonZero(pids, "current", current->stats.pids().current());
    PutIfNonZero(pids, "limit", current->stats.pids().limit());
    const auto& io = current->stats.io();
    blkio["io_service_bytes_recursive"] = BlkioEntries(io.read_bytes(), io.write_bytes());
    blkio["io_serviced_recursive"] = BlkioEntries(io.read_ops(), io.write_ops());
  } else {
    out["read"] = kZeroTime;
    out["preread"] = kZeroTime;
  }
  out["pids_stats"] = pids;
  out["blkio_stats"] = blkio;
  out["num_procs"] = 0;
  out["storage_stats"] = json::object();
  out["cpu_stats"] = CpuStatsJson(current);
  out["precpu_stats"] = CpuStatsJson(current ? previous : std::nullopt);
  out["memory_stats"] =
      current ? MemoryStatsJson(*current, identity.machine_memory) : json::object();
  out["name"] = identity.name.starts_with('/') ? identity.name : "/" + identity.name;
  out["id"] = identity.id;
  return out;
}

}  // namespace berth::engined::logs

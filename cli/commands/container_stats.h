// docker stats' numbers, computed from one /containers/<id>/stats sample
// as docker's CLI computes them (cli/command/container/stats_helpers.go),
// and the row its formatter shows.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace berth::cli {

struct StatsEntry {
  std::string container;  // as asked for (name or id)
  std::string name;
  std::string id;
  double cpu_percentage = 0;
  double memory = 0;
  double memory_limit = 0;
  double memory_percentage = 0;
  double network_rx = 0, network_tx = 0;
  double block_read = 0, block_write = 0;
  uint64_t pids_current = 0;
  bool is_invalid = false;  // no sample (yet), or the stream failed: "--"
};

// (cpu delta / system delta) * online CPUs * 100, 0 without a base.
double CpuPercentUnix(const nlohmann::json& precpu_stats, const nlohmann::json& cpu_stats);
// Usage less the page cache: total_inactive_file (cgroup v1) or
// inactive_file (v2).
double MemUsageNoCache(const nlohmann::json& memory_stats);
// Sums of io_service_bytes_recursive's Read and Write entries.
std::pair<double, double> BlockIo(const nlohmann::json& blkio_stats);
// Sums of every interface's rx_bytes and tx_bytes.
std::pair<double, double> NetworkIo(const nlohmann::json& networks);

// One sample of the stats API as docker's StatsEntry (Linux daemon).
StatsEntry StatsFromJson(const nlohmann::json& sample);

// The formatter's fields: ID, Name, CPUPerc, MemUsage, MemPerc, NetIO,
// BlockIO, PIDs, Container.
nlohmann::json StatsRow(const StatsEntry& entry, bool trunc);

// docker's default stats table.
inline constexpr char kStatsTable[] =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}"
    "\t{{.PIDs}}";

}  // namespace berth::cli

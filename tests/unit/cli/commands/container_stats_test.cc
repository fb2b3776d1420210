#include "cli/commands/container_stats.h"

#include <catch2/catch.hpp>

namespace berth::cli {
namespace {

// A cgroup v1 sample as berthd sends it (docker's StatsResponse fields).
nlohmann::json Sample() {
  return nlohmann::json::parse(R"({
    "name": "/web", "id": "0123456789abcdef0123456789abcdef",
    "precpu_stats": {"cpu_usage": {"total_usage": 1000000000}, "system_cpu_usage": 100000000000,
                     "online_cpus": 2},
    "cpu_stats": {"cpu_usage": {"total_usage": 1500000000, "percpu_usage": [1, 2, 3, 4]},
                  "system_cpu_usage": 102000000000, "online_cpus": 2},
    "memory_stats": {"usage": 10485760, "limit": 104857600,
                     "stats": {"total_inactive_file": 2097152, "inactive_file": 1048576}},
    "networks": {"eth0": {"rx_bytes": 1500, "tx_bytes": 500},
                 "eth1": {"rx_bytes": 500, "tx_bytes": 1500}},
    "blkio_stats": {"io_service_bytes_recursive": [
        {"major": 8, "minor": 0, "op": "Read", "value": 4096},
        {"major": 8, "minor": 0, "op": "Write", "value": 8192},
        {"major": 8, "minor": 0, "op": "Sync", "value": 1},
        {"major": 8, "minor": 16, "op": "read", "value": 4096}]},
    "pids_stats": {"current": 3}
  })");
}

TEST_CASE("stats: docker's CPU percentage", "[cli][stats]") {
  nlohmann::json s = Sample();
  // 0.5 s of CPU over 2 s of system time on 2 CPUs: 50%.
  CHECK(CpuPercentUnix(s["precpu_stats"], s["cpu_stats"]) == Approx(50.0));
  // Without online_cpus, the per-CPU list's length counts.
  s["cpu_stats"].erase("online_cpus");
  CHECK(CpuPercentUnix(s["precpu_stats"], s["cpu_stats"]) == Approx(100.0));
  // No base sample (the first of a stream): 0.
  CHECK(CpuPercentUnix(nlohmann::json::object(), nlohmann::json::object()) == 0);
  CHECK(CpuPercentUnix(s["cpu_stats"], s["cpu_stats"]) == 0);
}

TEST_CASE("stats: memory without the page cache", "[cli][stats]") {
  nlohmann::json m = Sample()["memory_stats"];
  CHECK(MemUsageNoCache(m) == 10485760 - 2097152);  // cgroup v1: total_inactive_file
  m["stats"].erase("total_inactive_file");
  CHECK(MemUsageNoCache(m) == 10485760 - 1048576);  // cgroup v2: inactive_file
  m["stats"]["inactive_file"] = 20971520;           // larger than usage: ignored
  CHECK(MemUsageNoCache(m) == 10485760);
}

TEST_CASE("stats: block and network I/O sums", "[cli][stats]") {
  nlohmann::json s = Sample();
  CHECK(BlockIo(s["blkio_stats"]) == std::pair<double, double>(8192, 8192));
  CHECK(NetworkIo(s["networks"]) == std::pair<double, double>(2000, 2000));
  CHECK(NetworkIo(nlohmann::json()) == std::pair<double, double>(0, 0));
}

TEST_CASE("stats: the row docker's formatter shows", "[cli][stats]") {
  StatsEntry e = StatsFromJson(Sample());
  e.container = "web";
  nlohmann::json row = StatsRow(e, true);
  CHECK(row["ID"] == "0123456789ab");
  CHECK(row["Name"] == "web");
  CHECK(row["CPUPerc"] == "50.00%");
  CHECK(row["MemUsage"] == "8MiB / 100MiB");
  CHECK(row["MemPerc"] == "8.00%");
  CHECK(row["NetIO"] == "2kB / 2kB");
  CHECK(row["BlockIO"] == "8.19kB / 8.19kB");
  CHECK(row["PIDs"] == "3");
  CHECK(StatsRow(e, false)["ID"] == "0123456789abcdef0123456789abcdef");

  e.is_invalid = true;
  e.name = "";
  row = StatsRow(e, true);
  CHECK(row["Name"] == "--");
  CHECK(row["CPUPerc"] == "--");
  CHECK(row["MemUsage"] == "-- / --");
  CHECK(row["NetIO"] == "--");
  CHECK(row["PIDs"] == "--");
}

}  // namespace
}  // namespace berth::cli

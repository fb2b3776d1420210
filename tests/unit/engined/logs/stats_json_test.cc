#include "engined/logs/stats_json.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/file_util.h"
#include "engined/logs/host_stats.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::logs {
namespace {

using testing::ValueOrFail;

using nlohmann::json;

// The docker CLI's arithmetic (cli/command/container/stats_helpers.go).
double CliCpuPercent(const json& s) {
  double cpu_delta = s["cpu_stats"]["cpu_usage"]["total_usage"].get<double>() -
                     s["precpu_stats"]["cpu_usage"]["total_usage"].get<double>();
  double system_delta = s["cpu_stats"].value("system_cpu_usage", 0.0) -
                        s["precpu_stats"].value("system_cpu_usage", 0.0);
  double cpus = s["cpu_stats"].value("online_cpus", 0.0);
  if (system_delta > 0 && cpu_delta > 0) return cpu_delta / system_delta * cpus * 100.0;
  return 0;
}

double CliMemUsage(const json& s) {
  const json& mem = s["memory_stats"];
  uint64_t usage = mem.value("usage", uint64_t{0});
  uint64_t inactive = mem["stats"].value("total_inactive_file", uint64_t{0});
  return static_cast<double>(inactive < usage ? usage - inactive : usage);
}

StatsSample Sample(uint64_t cpu_ns, uint64_t system_ns, int64_t at) {
  StatsSample s;
  s.stats.mutable_cpu()->set_usage_nsec(cpu_ns);
  s.stats.mutable_cpu()->set_user_nsec(cpu_ns / 4 * 3);
  s.stats.mutable_cpu()->set_system_nsec(cpu_ns / 4);
  s.stats.mutable_memory()->set_usage(100 << 20);
  s.stats.mutable_memory()->set_working_set(80 << 20);
  s.stats.mutable_memory()->set_cache(30 << 20);
  s.stats.mutable_pids()->set_current(7);
  s.stats.mutable_io()->set_read_bytes(4096);
  s.stats.mutable_io()->set_write_bytes(8192);
  s.host.system_nanos = system_ns;
  s.host.online_cpus = 4;
  s.read_nanos = at;
  return s;
}

TEST_CASE("host CPU time and CPUs from a fake /proc/stat", "[stats]") {
  testing::TempDir dir("stats-test");
  REQUIRE_OK(WriteFile(dir.Sub("stat"),
                       "cpu  100 0 50 800 10 0 40 5 0 0\n"
                       "cpu0 50 0 25 400 5 0 20 3 0 0\ncpu1 50 0 25 400 5 0 20 2 0 0\n"
                       "intr 1 2 3\nbtime 1700000000\n"));
  HostCpu cpu = ValueOrFail(ReadHostCpu(dir.Sub("stat")));
  // Seven fields (steal left out, as docker does), ticks of 1/100 s.
  CHECK(cpu.system_nanos == 10000000000ULL);
  CHECK(cpu.online_cpus == 2);
  REQUIRE_OK(WriteFile(dir.Sub("meminfo"), "MemTotal:       2048 kB\nMemFree: 1 kB\n"));
  CHECK(ValueOrFail(ReadMachineMemory(dir.Sub("meminfo"))) == 2097152);
  REQUIRE_OK(WriteFile(dir.Sub("bad"), "cpu 1 2\n"));
  CHECK(!ReadHostCpu(dir.Sub("bad")).ok());
}

TEST_CASE("the CLI computes docker's CPU % and memory from our JSON", "[stats]") {
  StatsIdentity id{"abc123", "web", 1ULL << 30};
  StatsSample prev = Sample(1000000000, 90000000000, 1700000000000000000);
  StatsSample cur = Sample(2000000000, 100000000000, 1700000001500000000);
  json s = DockerStatsJson(id, cur, prev);
  CHECK(CliCpuPercent(s) == Approx(40.0));  // 1 s of 10 s over 4 CPUs
  CHECK(CliMemUsage(s) == Approx(80 << 20));
  CHECK(s["memory_stats"]["limit"] == 1ULL << 30);  // unlimited shows the machine
  CHECK(s["name"] == "/web");
  CHECK(s["id"] == "abc123");
  CHECK(s["read"] == "2023-11-14T22:13:21.5Z");
  CHECK(s["preread"] == "2023-11-14T22:13:20Z");
  CHECK(s["num_procs"] == 0);
  CHECK(s["storage_stats"] == json::object());
  CHECK(s["pids_stats"]["current"] == 7);
  CHECK(s["cpu_stats"]["cpu_usage"]["usage_in_kernelmode"] == 500000000);
  CHECK(s["cpu_stats"]["cpu_usage"]["usage_in_usermode"] == 1500000000);
  CHECK(s["blkio_stats"]["io_service_bytes_recursive"][1]["op"] == "write");
  CHECK(s["blkio_stats"]["io_service_bytes_recursive"][1]["value"] == 8192);

  cur.stats.mutable_memory()->set_limit(512 << 20);
  CHECK(DockerStatsJson(id, cur, prev)["memory_stats"]["limit"] == 512 << 20);

  // The first sample has nothing before it.
  json first = DockerStatsJson(id, cur, std::nullopt);
  CHECK(first["preread"] == "0001-01-01T00:00:00Z");
  CHECK(first["precpu_stats"]["cpu_usage"]["total_usage"] == 0);
  CHECK(!first["precpu_stats"].contains("system_cpu_usage"));
}

TEST_CASE("a stopped container gets docker's zeroed stats", "[stats]") {
  json s = DockerStatsJson({"abc", "/web", 1 << 30}, std::nullopt, std::nullopt);
  CHECK(s["name"] == "/web");
  CHECK(s["read"] == "0001-01-01T00:00:00Z");
  CHECK(s["memory_stats"] == json::object());
  CHECK(s["pids_stats"] == json::object());
  CHECK(s["cpu_stats"]["cpu_usage"]["total_usage"] == 0);
  CHECK(s["blkio_stats"]["io_service_bytes_recursive"].is_null());
  CHECK(CliCpuPercent(s) == 0);
}

}  // namespace
}  // namespace berth::engined::logs

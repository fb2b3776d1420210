// Stats: reading v1 and v2 files, and runc's JSON shape.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <limits>

#include "runtime/cgroups/stats.h"
#include "runtime/cgroups/v1_stats.h"
#include "runtime/cgroups/v2_stats.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/runtime/cgroups_fake.h"

namespace berth::runtime::cgroups {
namespace {

using json::Json;
using testing::Put;

TEST_CASE("StatsToJson: empty stats have runc's shape", "[cgroups][stats]") {
  Json j = StatsToJson(Stats{});
  Json entry = {{"limit", 0}, {"failcnt", 0}};
  Json expected = {
      {"cpu", {{"usage", {{"kernel", 0}, {"user", 0}}}, {"throttling", Json::object()}}},
      {"cpuset",
       {{"cpu_exclusive", 0},
        {"mem_hardwall", 0},
        {"mem_exclusive", 0},
        {"memory_migrate", 0},
        {"memory_spread_page", 0},
        {"memory_spread_slab", 0},
        {"memory_pressure", 0},
        {"sched_load_balance", 0},
        {"sched_relax_domain_level", 0}}},
      {"memory", {{"usage", entry}, {"swap", entry}, {"kernel", entry}, {"kernelTCP", entry}}},
      {"pids", Json::object()},
      {"blkio", Json::object()},
      {"hugetlb", Json::object()},
      {"intel_rdt", Json::object()},
      {"network_interfaces", nullptr},
  };
  CHECK(j == expected);
}

TEST_CASE("StatsToJson: filled stats", "[cgroups][stats]") {
  Stats s;
  s.cpu.total_usage = 1000;
  s.cpu.percpu = {600, 400};
  s.cpu.percpu_kernel = {100, 50};
  s.cpu.percpu_user = {500, 350};
  s.cpu.kernel = 150;
  s.cpu.user = 850;
  s.cpu.periods = 10;
  s.cpu.throttled_periods = 2;
  s.cpu.throttled_time = 5000;
  s.cpuset.cpus = {0, 1};
  s.memory.cache = 4096;
  s.memory.usage = {104857600, 1048576, 2097152, 3};
  s.memory.raw = {{"cache", 4096}, {"rss", 8192}};
  s.pids = {3, 100};
  s.blkio.io_service_bytes_recursive = {{8, 0, "Read", 4096}, {8, 0, "Write", 0}};
  s.blkio.io_serviced_recursive = {{8, 0, "Read", 1}};
  s.hugetlb["2MB"] = {2097152, 0, 1};
  Json j = StatsToJson(s);
  CHECK(j["cpu"]["usage"] == Json{{"total", 1000},
                                  {"percpu", {600, 400}},
                                  {"percpu_kernel", {100, 50}},
                                  {"percpu_user", {500, 350}},
                                  {"kernel", 150},
                                  {"user", 850}});
  CHECK(j["cpu"]["throttling"] ==
        Json{{"periods", 10}, {"throttledPeriods", 2}, {"throttledTime", 5000}});
  CHECK(j["cpuset"]["cpus"] == Json{0, 1});
  CHECK(j["memory"]["cache"] == 4096);
  CHECK(j["memory"]["usage"] ==
        Json{{"limit", 104857600}, {"usage", 1048576}, {"max", 2097152}, {"failcnt", 3}});
  CHECK(j["memory"]["raw"]["rss"] == 8192);
  CHECK(j["pids"] == Json{{"current", 3}, {"limit", 100}});
  CHECK(j["blkio"]["ioServiceBytesRecursive"] ==
        Json{{{"major", 8}, {"op", "Read"}, {"value", 4096}}, {{"major", 8}, {"op", "Write"}}});
  CHECK(j["blkio"]["ioServicedRecursive"].size() == 1);
  CHECK(j["hugetlb"] == Json{{"2MB", {{"usage", 2097152}, {"failcnt", 1}}}});
}

TEST_CASE("ParseCpuList", "[cgroups][stats]") {
  CHECK(ParseCpuList("0-2,4\n") == std::vector<uint16_t>{0, 1, 2, 4});
  CHECK(ParseCpuList("") == std::vector<uint16_t>{});
  CHECK(ParseCpuList("7") == std::vector<uint16_t>{7});
  CHECK_FALSE(ParseCpuList("3-1").has_value());
  CHECK_FALSE(ParseCpuList("a").has_value());
}

TEST_CASE("v1 stats from cgroup files", "[cgroups][stats][v1]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "cpuacct.usage", "123456789\n");
  Put(dir, "cpuacct.usage_percpu", "100 200 \n");
  Put(dir, "cpuacct.usage_percpu_sys", "10 20\n");
  Put(dir, "cpuacct.usage_percpu_user", "90 180\n");
  Put(dir, "cpuacct.stat", "user 150\nsystem 50\n");
  Put(dir, "cpu.stat", "nr_periods 12\nnr_throttled 3\nthrottled_time 4500\n");
  Put(dir, "cpuset.cpus", "0-1\n");
  Put(dir, "cpuset.mems", "0\n");
  Put(dir, "cpuset.sched_load_balance", "1\n");
  Put(dir, "cpuset.sched_relax_domain_level", "-1\n");
  Put(dir, "memory.stat", "cache 8192\nrss 4096\ntotal_cache 8192\n");
  Put(dir, "memory.usage_in_bytes", "12288\n");
  Put(dir, "memory.max_usage_in_bytes", "20480\n");
  Put(dir, "memory.failcnt", "0\n");
  Put(dir, "memory.limit_in_bytes", "67108864\n");
  Put(dir, "memory.memsw.usage_in_bytes", "12288\n");
  Put(dir, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
  Put(dir, "memory.kmem.usage_in_bytes", "1024\n");
  Put(dir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  Put(dir, "pids.current", "3\n");
  Put(dir, "pids.max", "max\n");
  Put(dir, "blkio.throttle.io_service_bytes",
      "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\nTotal 12288\n");
  Put(dir, "blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n");
  Put(dir, "hugetlb.2MB.usage_in_bytes", "2097152\n");
  Put(dir, "hugetlb.2MB.max_usage_in_bytes", "4194304\n");
  Put(dir, "hugetlb.2MB.failcnt", "1\n");

  Stats s;
  BERTH_REQUIRE_OK(ReadV1CpuacctStats(dir, &s.cpu));
  BERTH_REQUIRE_OK(ReadV1CpuThrottling(dir, &s.cpu));
  BERTH_REQUIRE_OK(ReadV1CpusetStats(dir, &s.cpuset));
  BERTH_REQUIRE_OK(ReadV1MemoryStats(dir, &s.memory));
  BERTH_REQUIRE_OK(ReadV1PidsStats(dir, &s.pids));
  BERTH_REQUIRE_OK(ReadV1BlkioStats(dir, &s.blkio));
  BERTH_REQUIRE_OK(ReadV1HugetlbStats(dir, {"2MB", "1GB"}, &s.hugetlb));

  uint64_t tick_ns = 1000000000 / static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
  CHECK(s.cpu.total_usage == 123456789);
  CHECK(s.cpu.percpu == std::vector<uint64_t>{100, 200});
  CHECK(s.cpu.percpu_kernel == std::vector<uint64_t>{10, 20});
  CHECK(s.cpu.percpu_user == std::vector<uint64_t>{90, 180});
  CHECK(s.cpu.user == 150 * tick_ns);
  CHECK(s.cpu.kernel == 50 * tick_ns);
  CHECK(s.cpu.periods == 12);
  CHECK(s.cpu.throttled_periods == 3);
  CHECK(s.cpu.throttled_time == 4500);
  CHECK(s.cpuset.cpus == std::vector<uint16_t>{0, 1});
  CHECK(s.cpuset.mems == std::vector<uint16_t>{0});
  CHECK(s.cpuset.sched_load_balance == 1);
  CHECK(s.cpuset.sched_relax_domain_level == -1);
  CHECK(s.memory.cache == 8192);
  CHECK(s.memory.raw.at("rss") == 4096);
  CHECK(s.memory.usage.usage == 12288);
  CHECK(s.memory.usage.max == 20480);
  CHECK(s.memory.usage.limit == 67108864);
  CHECK(s.memory.swap.limit == 9223372036854771712u);
  CHECK(s.memory.kernel.usage == 1024);
  CHECK(s.memory.kernel_tcp.usage == 0);  // no kmem.tcp files: zero
  CHECK(s.memory.oom_kills == 2);
  CHECK(s.pids.current == 3);
  CHECK(s.pids.limit == 0);  // "max"
  // io_service_bytes_recursive is missing, so the plain file is used.
  REQUIRE(s.blkio.io_service_bytes_recursive.size() == 3);
  CHECK(s.blkio.io_service_bytes_recursive[1].op == "Write");
  CHECK(s.blkio.io_service_bytes_recursive[1].value == 8192);
  CHECK(s.blkio.io_serviced_recursive.size() == 2);
  REQUIRE(s.hugetlb.count("2MB") == 1);
  CHECK(s.hugetlb.count("1GB") == 0);
  CHECK(s.hugetlb["2MB"].usage == 2097152);
  CHECK(s.hugetlb["2MB"].max == 4194304);
  CHECK(s.hugetlb["2MB"].failcnt == 1);
}

TEST_CASE("v1 stats: an empty directory gives zeros, not errors", "[cgroups][stats][v1]") {
  berth::testing::TempDir tmp;
  Stats s;
  BERTH_REQUIRE_OK(ReadV1CpuacctStats(tmp.path(), &s.cpu));
  BERTH_REQUIRE_OK(ReadV1MemoryStats(tmp.path(), &s.memory));
  BERTH_REQUIRE_OK(ReadV1BlkioStats(tmp.path(), &s.blkio));
  CHECK(s.cpu.total_usage == 0);
  CHECK(s.memory.raw.empty());
}

TEST_CASE("v2 stats from cgroup files", "[cgroups][stats][v2]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "cpu.stat",
      "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\n"
      "throttled_usec 30\n");
  Put(dir, "memory.stat", "anon 4096\nfile 8192\n");
  Put(dir, "memory.current", "12288\n");
  Put(dir, "memory.max", "max\n");
  Put(dir, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
  Put(dir, "memory.swap.current", "4096\n");
  Put(dir, "memory.swap.max", "max\n");
  Put(dir, "pids.current", "2\n");
  Put(dir, "pids.max", "50\n");
  Put(dir, "io.stat",
      "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
      "253:1 rbytes=10 wbytes=0 rios=3 wios=0\n");
  Put(dir, "hugetlb.2MB.current", "2097152\n");
  Put(dir, "hugetlb.2MB.events", "max 3\n");

  Stats s;
  BERTH_REQUIRE_OK(ReadV2CpuStats(dir, &s.cpu));
  BERTH_REQUIRE_OK(ReadV2MemoryStats(dir, &s.memory));
  BERTH_REQUIRE_OK(ReadV2PidsStats(dir, &s.pids));
  BERTH_REQUIRE_OK(ReadV2IoStats(dir, &s.blkio));
  BERTH_REQUIRE_OK(ReadV2HugetlbStats(dir, {"2MB", "1GB"}, &s.hugetlb));
  CHECK(s.cpu.total_usage == 2000000);
  CHECK(s.cpu.user == 1500000);
  CHECK(s.cpu.kernel == 500000);
  CHECK(s.cpu.periods == 4);
  CHECK(s.cpu.throttled_periods == 1);
  CHECK(s.cpu.throttled_time == 30000);
  CHECK(s.memory.cache == 8192);
  CHECK(s.memory.usage.usage == 12288);
  CHECK(s.memory.usage.limit == std::numeric_limits<uint64_t>::max());
  CHECK(s.memory.usage.failcnt == 5);
  CHECK(s.memory.oom_kills == 1);
  CHECK(s.memory.swap.usage == 4096 + 12288);  // memory+swap, as v1 reported
  CHECK(s.memory.swap.limit == std::numeric_limits<uint64_t>::max());
  CHECK(s.pids.current == 2);
  CHECK(s.pids.limit == 50);
  REQUIRE(s.blkio.io_service_bytes_recursive.size() == 4);
  CHECK(s.blkio.io_service_bytes_recursive[0].op == "Read");
  CHECK(s.blkio.io_service_bytes_recursive[0].value == 4096);
  CHECK(s.blkio.io_service_bytes_recursive[1].op == "Write");
  CHECK(s.blkio.io_service_bytes_recursive[2].major == 253);
  CHECK(s.blkio.io_serviced_recursive.size() == 4);
  CHECK(s.hugetlb["2MB"].usage == 2097152);
  CHECK(s.hugetlb["2MB"].failcnt == 3);
  CHECK(s.hugetlb.count("1GB") == 0);
}

}  // namespace
}  // namespace berth::runtime::cgroups

// cgroup limits, seen from the host's cgroup files and from inside.
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/runtime/runtime_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

std::string Trim(const absl::StatusOr<std::string>& s) {
  return s.ok() ? std::string(TrimSpace(*s)) : "<" + std::string(s.status().message()) + ">";
}

// Starts `sleep 100` detached with the fixture's config and returns its id.
std::string StartSleeper(RuntimeFixture& f) {
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "100"};
  f.WriteBundle();
  SpawnResult r = f.Runtime({"run", "-d", "--bundle", f.bundle(), id});
  INFO(r.err);
  REQUIRE(r.status.code == 0);
  return id;
}

TEST_CASE("memory, cpu, cpuset and pids limits land in the container's cgroups", "[cgroups]") {
  RuntimeFixture f;
  f.config()["linux"]["resources"]["memory"] = {{"limit", 64 << 20}, {"reservation", 32 << 20},
                                                {"swap", 128 << 20}, {"swappiness", 10}};
  f.config()["linux"]["resources"]["cpu"] = {{"shares", 512}, {"quota", 50000},
                                             {"period", 100000}, {"cpus", "0"}, {"mems", "0"}};
  f.config()["linux"]["resources"]["pids"] = {{"limit", 32}};
  std::string id = StartSleeper(f);
  CHECK(Trim(ReadFile(f.CgroupDir("memory", id) + "/memory.limit_in_bytes")) == std::to_string(64 << 20));
  CHECK(Trim(ReadFile(f.CgroupDir("memory", id) + "/memory.soft_limit_in_bytes")) == std::to_string(32 << 20));
  CHECK(Trim(ReadFile(f.CgroupDir("memory", id) + "/memory.memsw.limit_in_bytes")) == std::to_string(128 << 20));
  CHECK(Trim(ReadFile(f.CgroupDir("memory", id) + "/memory.swappiness")) == "10");
  CHECK(Trim(ReadFile(f.CgroupDir("cpu", id) + "/cpu.shares")) == "512");
  CHECK(Trim(ReadFile(f.CgroupDir("cpu", id) + "/cpu.cfs_quota_us")) == "50000");
  CHECK(Trim(ReadFile(f.CgroupDir("cpu", id) + "/cpu.cfs_period_us")) == "100000");
  CHECK(Trim(ReadFile(f.CgroupDir("cpuset", id) + "/cpuset.cpus")) == "0");
  CHECK(Trim(ReadFile(f.CgroupDir("pids", id) + "/pids.max")) == "32");
  // The init is in every one of them.
  int pid = f.State(id)["pid"].get<int>();
  for (const char* c : {"memory", "cpu", "cpuset", "pids", "freezer", "devices", "blkio"}) {
    INFO(c);
    CHECK(Trim(ReadFile(f.CgroupDir(c, id) + "/cgroup.procs")) == std::to_string(pid));
  }
}

TEST_CASE("the memory limit is enforced: going over kills the container", "[cgroups]") {
  RuntimeFixture f;
  f.config()["linux"]["resources"]["memory"] = {{"limit", 32 << 20}, {"swap", 32 << 20}};
  SpawnResult r = f.Run(f.NewId(), {"sh", "-c", "/bin/berth-probe alloc 256; exit $?"});
  CHECK(r.status.code == 128 + 9);  // OOM-killed
  SpawnResult fits = f.Run(f.NewId(), {"/bin/berth-probe", "alloc", "8"});
  CHECK(fits.status.code == 0);
}

TEST_CASE("the pids limit is enforced from inside", "[cgroups]") {
  RuntimeFixture f;
  f.config()["linux"]["resources"]["pids"] = {{"limit", 10}};
  json::Json forks = f.RunProbe({"fork", "50"});
  // The probe itself counts against the limit.
  CHECK(forks["forked"] == 9);
  CHECK(forks["errno"] == EAGAIN);
}

TEST_CASE("device rules: only allowed devices open", "[cgroups]") {
  RuntimeFixture f;
  // /dev/fuse exists in the container, but the default rules do not allow it.
  f.config()["linux"]["devices"] = {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10},
                                     {"minor", 229}, {"fileMode", 0666}}};
  json::Json denied = f.RunProbe({"syscall", "open", "/dev/fuse"});
  CHECK(denied["errno"] == EPERM);
  json::Json allowed = f.RunProbe({"syscall", "open", "/dev/null", "rw"});
  CHECK(allowed["errno"] == 0);
  f.config()["linux"]["resources"]["devices"].push_back(
      {{"allow", true}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"access", "r"}});
  json::Json read_ok = f.RunProbe({"syscall", "open", "/dev/fuse"});
  CHECK(read_ok["errno"] == 0);
  json::Json write_denied = f.RunProbe({"syscall", "open", "/dev/fuse", "rw"});
  CHECK(write_denied["errno"] == EPERM);
}

TEST_CASE("hugetlb limits go to the cgroup2 side of a hybrid host", "[cgroups]") {
  if (!PathExists("/sys/fs/cgroup/unified/cgroup.controllers") ||
      ReadFile("/sys/fs/cgroup/unified/cgroup.controllers")->find("hugetlb") == std::string::npos ||
      !PathExists("/sys/kernel/mm/hugepages/hugepages-2048kB")) {
    Skip("needs a hybrid host whose cgroup2 mount has hugetlb and 2 MB pages");
  }
  RuntimeFixture f;
  f.config()["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "2MB"}, {"limit", 4 << 20}}};
  std::string id = StartSleeper(f);
  CHECK(Trim(ReadFile(f.CgroupDir("", id) + "/hugetlb.2MB.max")) == std::to_string(4 << 20));
}

TEST_CASE("update changes limits of a running container", "[cgroups]") {
  RuntimeFixture f;
  f.config()["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
  std::string id = StartSleeper(f);
  REQUIRE(f.Runtime({"update", "--memory", "128m", "--pids-limit", "20", "--cpu-share", "256", id})
              .status.code == 0);
  CHECK(Trim(ReadFile(f.CgroupDir("memory", id) + "/memory.limit_in_bytes")) == std::to_string(128 << 20));
  CHECK(Trim(ReadFile(f.CgroupDir("pids", id) + "/pids.max")) == "20");
  CHECK(Trim(ReadFile(f.CgroupDir("cpu", id) + "/cpu.shares")) == "256");
  SpawnResult file = f.Runtime({"update", "-r", "-", id}, R"({"pids":{"limit":7},"cpu":{"quota":20000}})");
  INFO(file.err);
  REQUIRE(file.status.code == 0);
  CHECK(Trim(ReadFile(f.CgroupDir("pids", id) + "/pids.max")) == "7");
  CHECK(Trim(ReadFile(f.CgroupDir("cpu", id) + "/cpu.cfs_quota_us")) == "20000");
  SpawnResult bad = f.Runtime({"update", "--memory", "lots", id});
  CHECK(bad.status.code != 0);
  CHECK(bad.err.find("--memory") != std::string::npos);
}

TEST_CASE("pause freezes every process and resume thaws them", "[cgroups]") {
  RuntimeFixture f;
  std::string id = StartSleeper(f);
  REQUIRE(f.Runtime({"pause", id}).status.code == 0);
  CHECK(f.State(id)["status"] == "paused");
  CHECK(Trim(ReadFile(f.CgroupDir("freezer", id) + "/freezer.state")) == "FROZEN");
  SpawnResult again = f.Runtime({"pause", id});
  CHECK(again.status.code != 0);
  REQUIRE(f.Runtime({"resume", id}).status.code == 0);
  CHECK(f.State(id)["status"] == "running");
  CHECK(Trim(ReadFile(f.CgroupDir("freezer", id) + "/freezer.state")) == "THAWED");
  // A paused container can still be force-deleted.
  REQUIRE(f.Runtime({"pause", id}).status.code == 0);
  REQUIRE(f.Runtime({"delete", "--force", id}).status.code == 0);
}

TEST_CASE("events --stats prints runc's stats JSON", "[cgroups]") {
  RuntimeFixture f;
  f.config()["linux"]["resources"]["pids"] = {{"limit", 50}};
  std::string id = StartSleeper(f);
  SpawnResult r = f.Runtime({"events", "--stats", id});
  REQUIRE(r.status.code == 0);
  json::Json e = *json::Parse(r.out, "events");
  CHECK(e["type"] == "stats");
  CHECK(e["id"] == id);
  CHECK(e["data"]["pids"]["current"] == 1);
  CHECK(e["data"]["pids"]["limit"] == 50);
  CHECK(e["data"]["memory"]["usage"]["usage"].get<uint64_t>() > 0);
  CHECK(e["data"]["cpu"]["usage"].contains("total"));
}

TEST_CASE("a missing cgroup controller or bad value fails create cleanly", "[cgroups]") {
  RuntimeFixture f;
  f.config()["linux"]["resources"]["cpu"] = {{"cpus", "999"}};
  std::string id = f.NewId();
  f.WriteBundle();
  SpawnResult r = f.Runtime({"create", "--bundle", f.bundle(), id});
  CHECK(r.status.code != 0);
  CHECK(r.err.find("cpuset.cpus") != std::string::npos);
  CHECK(f.LastLoggedError().find("cpuset.cpus") != std::string::npos);
}

}  // namespace
}  // namespace berth::testing

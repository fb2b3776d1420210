// The v1 manager on this host's real hierarchies (legacy or hybrid).
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/proc.h"
#include "runtime/cgroups/layout.h"
#include "runtime/cgroups/manager.h"
#include "tests/integration/runtime/cgroups_live.h"
#include "tests/testutil/test_env.h"

namespace berth::runtime::cgroups {
namespace {

using live::Child;
using live::Read;
using live::TryOpen;

constexpr int64_t kMiB = 1024 * 1024;

// The child's commands: open devices, or burn 120 ms of CPU.
char ChildStep(char command) {
  switch (command) {
    case 'n':
      return TryOpen("/dev/null", O_RDWR);
    case 'z':
      return TryOpen("/dev/zero", O_RDONLY);
    case 'f':
      return TryOpen("/dev/full", O_RDONLY);
    case 's': {
      // 120 ms of CPU time: more than one 50 ms / 100 ms quota period.
      struct timespec used;
      do {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
      } while (used.tv_sec * 1000000000L + used.tv_nsec < 120000000L);
      return 'y';
    }
    default:
      return '?';
  }
}

Layout RequireV1Host() {
  berth::testing::RequireRoot();
  absl::StatusOr<Layout> layout = DetectLayout();
  BERTH_LIVE_REQUIRE_OK(layout.status());
  if (layout->mode == Mode::kUnified)
    berth::testing::Skip("needs a cgroup v1 (legacy or hybrid) host");
  return *layout;
}

std::unique_ptr<Manager> NewV1Manager(const Layout& layout, const std::string& path) {
  absl::StatusOr<std::unique_ptr<Manager>> manager =
      NewManager(layout, {.cgroups_path = path, .container_id = "ignored"});
  BERTH_LIVE_REQUIRE_OK(manager.status());
  return std::move(*manager);
}

spec::Resources Limits(const Layout& layout) {
  spec::Resources r;
  r.memory = spec::Memory{};
  r.memory->limit = 64 * kMiB + 100;  // the kernel rounds down to pages
  r.memory->reservation = 32 * kMiB;
  r.cpu = spec::Cpu{};
  r.cpu->shares = 512;
  r.cpu->quota = 50000;
  r.cpu->period = 100000;
  r.cpu->cpus = "0";
  r.cpu->mems = "0";
  r.pids = spec::Pids{64};
  r.devices.resize(3);
  r.devices[0].allow = false;  // a *:* rwm
  r.devices[1] = {true, "c", 1, 3, "rwm"};
  r.devices[2] = {true, "c", 1, 5, "r"};
  if (!layout.V1Mount("blkio").empty()) r.block_io = spec::BlockIo{.weight = 200};
  return r;
}

TEST_CASE("v1 live: create, limit, join, freeze, kill, destroy", "[cgroups][live][v1]") {
  Layout layout = RequireV1Host();
  std::string path = live::UniqueCgroupPath("v1");
  std::unique_ptr<Manager> manager = NewV1Manager(layout, path);
  std::map<std::string, std::string> paths = manager->Paths();
  live::Cleanup cleanup;
  cleanup.AddDirs(paths);

  BERTH_LIVE_REQUIRE_OK(manager->Create());
  for (const auto& [controller, dir] : paths) {
    INFO(controller);
    CHECK(PathExists(dir));
  }

  spec::Resources limits = Limits(layout);
  if (limits.block_io && !CgroupFileExists(paths.at("blkio"), "blkio.weight") &&
      !CgroupFileExists(paths.at("blkio"), "blkio.bfq.weight")) {
    limits.block_io.reset();  // no CFQ / BFQ on this host's disks
  }
  BERTH_LIVE_REQUIRE_OK(manager->Apply(limits));
  CHECK(Read(paths.at("memory"), "memory.limit_in_bytes") == std::to_string(64 * kMiB));
  CHECK(Read(paths.at("memory"), "memory.soft_limit_in_bytes") == std::to_string(32 * kMiB));
  CHECK(Read(paths.at("cpu"), "cpu.shares") == "512");
  CHECK(Read(paths.at("cpu"), "cpu.cfs_quota_us") == "50000");
  CHECK(Read(paths.at("cpu"), "cpu.cfs_period_us") == "100000");
  CHECK(Read(paths.at("cpuset"), "cpuset.cpus") == "0");
  CHECK(Read(paths.at("pids"), "pids.max") == "64");
  CHECK(Read(paths.at("devices"), "devices.list") == "c 1:3 rwm\nc 1:5 r");
  if (limits.block_io) {
    std::string file =
        CgroupFileExists(paths.at("blkio"), "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
    CHECK(Read(paths.at("blkio"), file).find("200") != std::string::npos);
  }

  // Raising memory and memory+swap together needs memsw first.
  if (CgroupFileExists(paths.at("memory"), "memory.memsw.limit_in_bytes")) {
    spec::Resources update;
    update.memory = spec::Memory{};
    update.memory->limit = 128 * kMiB;
    update.memory->swap = 256 * kMiB;
    BERTH_LIVE_REQUIRE_OK(manager->Apply(update));
    update.memory->limit = 96 * kMiB;
    update.memory->swap = 100 * kMiB;
    BERTH_LIVE_REQUIRE_OK(manager->Apply(update));
    CHECK(Read(paths.at("memory"), "memory.limit_in_bytes") == std::to_string(96 * kMiB));
    CHECK(Read(paths.at("memory"), "memory.memsw.limit_in_bytes") == std::to_string(100 * kMiB));
  }

  Child& child = cleanup.Spawn(ChildStep);
  BERTH_LIVE_REQUIRE_OK(manager->AddProcess(child.pid()));
  absl::StatusOr<std::string> proc_cgroup =
      ReadFile("/proc/" + std::to_string(child.pid()) + "/cgroup");
  BERTH_LIVE_REQUIRE_OK(proc_cgroup.status());
  CHECK(proc_cgroup->find(":memory:" + path + "\n") != std::string::npos);

  // The devices cgroup now decides what the child may open.
  CHECK(child.Ask('n') == 'y');
  CHECK(child.Ask('z') == 'y');
  CHECK(child.Ask('f') == 'p');

  absl::StatusOr<std::vector<pid_t>> pids = manager->Pids();
  BERTH_LIVE_REQUIRE_OK(pids.status());
  CHECK(*pids == std::vector<pid_t>{child.pid()});

  CHECK(child.Ask('s') == 'y');  // burn some CPU for the stats
  absl::StatusOr<Stats> stats = manager->GetStats();
  BERTH_LIVE_REQUIRE_OK(stats.status());
  CHECK(stats->pids.current == 1);
  CHECK(stats->pids.limit == 64);
  CHECK(stats->cpu.total_usage > 100000000);  // most of the spin, counted since joining
  // Throttling itself depends on the host's load (a starved child never
  // uses its quota up), but the quota's periods are counted.
  CHECK(stats->cpu.periods > 0);
  CHECK_FALSE(stats->cpu.percpu.empty());
  CHECK(stats->memory.usage.limit == static_cast<uint64_t>(96 * kMiB));
  CHECK_FALSE(stats->memory.raw.empty());
  CHECK(stats->cpuset.cpus == std::vector<uint16_t>{0});
  json::Json j = StatsToJson(*stats);
  CHECK(j["pids"]["current"] == 1);

  if (!layout.V1Mount("freezer").empty()) {
    BERTH_LIVE_REQUIRE_OK(manager->Freeze());
    CHECK(*manager->GetFreezerState() == FreezerState::kFrozen);
    CHECK(Read(paths.at("freezer"), "freezer.state") == "FROZEN");
    BERTH_LIVE_REQUIRE_OK(manager->Thaw());
    CHECK(*manager->GetFreezerState() == FreezerState::kThawed);
    CHECK(child.Ask('n') == 'y');  // running again
  }

  BERTH_LIVE_REQUIRE_OK(manager->SignalAll(SIGKILL));
  absl::StatusOr<ExitStatus> exit = child.process().WaitFor(std::chrono::seconds(5));
  BERTH_LIVE_REQUIRE_OK(exit.status());
  CHECK(exit->signal == SIGKILL);
  pids = manager->Pids();
  CHECK(pids->empty());

  // A cgroup the container made below its own goes too.
  REQUIRE(MkdirAll(paths.at("memory") + "/nested/deeper").ok());
  BERTH_LIVE_REQUIRE_OK(manager->Destroy());
  for (const auto& [controller, dir] : paths) {
    INFO(controller << " " << dir);
    CHECK_FALSE(PathExists(dir));
  }
  BERTH_LIVE_REQUIRE_OK(manager->Destroy());  // again: nothing left, no error
}

TEST_CASE("v1 live: SignalAll with a catchable signal, then LoadManager", "[cgroups][live][v1]") {
  Layout layout = RequireV1Host();
  std::unique_ptr<Manager> manager = NewV1Manager(layout, live::UniqueCgroupPath("sig"));
  live::Cleanup cleanup;
  cleanup.AddDirs(manager->Paths());
  BERTH_LIVE_REQUIRE_OK(manager->Create());
  Child& child = cleanup.Spawn(ChildStep);
  BERTH_LIVE_REQUIRE_OK(manager->AddProcess(child.pid()));

  // As `berth-runtime kill` would: a new manager from the recorded paths.
  absl::StatusOr<std::unique_ptr<Manager>> loaded = LoadManager(layout, manager->Paths());
  BERTH_LIVE_REQUIRE_OK(loaded.status());
  // A paused container stays paused; the signal lands when it resumes.
  BERTH_LIVE_REQUIRE_OK((*loaded)->Freeze());
  BERTH_LIVE_REQUIRE_OK((*loaded)->SignalAll(SIGTERM));
  CHECK(*(*loaded)->GetFreezerState() == FreezerState::kFrozen);
  CHECK(ProcessState(child.pid()).value_or('?') != 'Z');
  BERTH_LIVE_REQUIRE_OK((*loaded)->Thaw());
  absl::StatusOr<ExitStatus> exit = child.process().WaitFor(std::chrono::seconds(5));
  BERTH_LIVE_REQUIRE_OK(exit.status());
  CHECK(exit->signal == SIGTERM);
  CHECK(*(*loaded)->GetFreezerState() == FreezerState::kThawed);
  BERTH_LIVE_REQUIRE_OK((*loaded)->Destroy());
  for (const auto& [controller, dir] : manager->Paths()) CHECK_FALSE(PathExists(dir));
}

TEST_CASE("v1 live: kernel errors name the file and the value", "[cgroups][live][v1]") {
  Layout layout = RequireV1Host();
  std::unique_ptr<Manager> manager = NewV1Manager(layout, live::UniqueCgroupPath("err"));
  live::Cleanup cleanup;
  cleanup.AddDirs(manager->Paths());
  BERTH_LIVE_REQUIRE_OK(manager->Create());
  spec::Resources r;
  r.cpu = spec::Cpu{};
  r.cpu->cpus = "not-a-cpu";
  absl::Status status = manager->Apply(r);
  REQUIRE_FALSE(status.ok());
  CHECK(std::string(status.message()) == "write \"not-a-cpu\" to " + manager->Paths().at("cpuset") +
                                             "/cpuset.cpus: invalid argument");
  BERTH_LIVE_REQUIRE_OK(manager->Destroy());
}

TEST_CASE("v1 live: hybrid hosts get a cgroup2 directory too", "[cgroups][live][hybrid]") {
  Layout layout = RequireV1Host();
  if (layout.mode != Mode::kHybrid) berth::testing::Skip("needs a hybrid host");
  std::string path = live::UniqueCgroupPath("hybrid");
  std::unique_ptr<Manager> manager = NewV1Manager(layout, path);
  std::map<std::string, std::string> paths = manager->Paths();
  live::Cleanup cleanup;
  cleanup.AddDirs(paths);
  REQUIRE(paths.at("") == layout.unified_mount + path);
  BERTH_LIVE_REQUIRE_OK(manager->Create());
  CHECK(PathExists(paths.at("")));

  Child& child = cleanup.Spawn(ChildStep);
  BERTH_LIVE_REQUIRE_OK(manager->AddProcess(child.pid()));
  CHECK(Read(paths.at(""), "cgroup.procs") == std::to_string(child.pid()));

  bool has_2mb = PathExists("/sys/kernel/mm/hugepages/hugepages-2048kB");
  if (has_2mb && layout.V1Mount("hugetlb").empty() && layout.HasUnifiedController("hugetlb")) {
    // A unified key beside the hugepage limit: the 1 GB size where the
    // host has it, else the 2 MB size's reservation limit.
    const std::string unified_key = PathExists("/sys/kernel/mm/hugepages/hugepages-1048576kB")
                                        ? "hugetlb.1GB.max"
                                        : "hugetlb.2MB.rsvd.max";
    spec::Resources r;
    r.hugepage_limits = {{"2MB", 2 * 2 * kMiB}};
    r.unified = {{unified_key, std::to_string(1024 * kMiB)}};
    BERTH_LIVE_REQUIRE_OK(manager->Apply(r));
    CHECK(Read(paths.at(""), "hugetlb.2MB.max") == std::to_string(4 * kMiB));
    CHECK(Read(paths.at(""), unified_key) == std::to_string(1024 * kMiB));
    absl::StatusOr<Stats> stats = manager->GetStats();
    BERTH_LIVE_REQUIRE_OK(stats.status());
    CHECK(stats->hugetlb.count("2MB") == 1);
  }
  spec::Resources memory_key;
  memory_key.unified = {{"memory.high", "1000000"}};
  CHECK(manager->Apply(memory_key).code() == absl::StatusCode::kInvalidArgument);

  BERTH_LIVE_REQUIRE_OK(manager->SignalAll(SIGKILL));
  BERTH_LIVE_REQUIRE_OK(child.process().WaitFor(std::chrono::seconds(5)).status());
  BERTH_LIVE_REQUIRE_OK(manager->Destroy());
  CHECK_FALSE(PathExists(paths.at("")));
  for (const auto& [controller, dir] : paths) CHECK_FALSE(PathExists(dir));
}

}  // namespace
}  // namespace berth::runtime::cgroups

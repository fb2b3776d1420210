// cgroup v2 pieces that work live on any host with a cgroup2 mount, even a
// hybrid one whose cgroup2 offers few controllers: the eBPF device filter
// (the kernel runs cgroup2 device programs regardless of v1 devices), and
// the v2 manager's directory, freezer, kill, hugetlb and stats handling.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "runtime/cgroups/layout.h"
#include "runtime/cgroups/manager.h"
#include "runtime/cgroups/v2_devices_bpf.h"
#include "tests/integration/runtime/cgroups_live.h"
#include "tests/testutil/test_env.h"

namespace berth::runtime::cgroups {
namespace {

using live::Child;
using live::Read;
using live::TryOpen;

char OpenStep(char command) {
  switch (command) {
    case 'z':
      return TryOpen("/dev/zero", O_RDONLY);
    case 'r':
      return TryOpen("/dev/null", O_RDONLY);
    case 'w':
      return TryOpen("/dev/null", O_WRONLY);
    default:
      return '?';
  }
}

Layout RequireCgroup2() {
  berth::testing::RequireRoot();
  absl::StatusOr<Layout> layout = DetectLayout();
  BERTH_LIVE_REQUIRE_OK(layout.status());
  if (layout->unified_mount.empty()) berth::testing::Skip("no cgroup2 mount on this host");
  return *layout;
}

spec::DeviceRule Rule(bool allow, const char* type, std::optional<int64_t> major,
                      std::optional<int64_t> minor, const char* access) {
  return spec::DeviceRule{allow, type, major, minor, access};
}

TEST_CASE("eBPF device filter live: only /dev/null read is allowed", "[cgroups][live][bpf]") {
  Layout layout = RequireCgroup2();
  std::string dir = layout.unified_mount + live::UniqueCgroupPath("bpf");
  live::Cleanup cleanup;
  cleanup.AddDir(dir);
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);

  absl::StatusOr<std::vector<bpf_insn>> program = BuildDeviceFilter(
      {Rule(false, "a", std::nullopt, std::nullopt, "rwm"), Rule(true, "c", 1, 3, "r")});
  BERTH_LIVE_REQUIRE_OK(program.status());
  BERTH_LIVE_REQUIRE_OK(AttachDeviceFilter(dir, *program));
  absl::StatusOr<std::vector<uint32_t>> attached = QueryDeviceFilters(dir);
  BERTH_LIVE_REQUIRE_OK(attached.status());
  REQUIRE(attached->size() == 1);

  Child& child = cleanup.Spawn(OpenStep);
  CHECK(child.Ask('z') == 'y');  // not yet in the cgroup
  BERTH_LIVE_REQUIRE_OK(WriteCgroupFile(dir, "cgroup.procs", std::to_string(child.pid())));
  CHECK(child.Ask('z') == 'p');
  CHECK(child.Ask('r') == 'y');
  CHECK(child.Ask('w') == 'p');

  // An update swaps the program: the new one is attached, the old one gone.
  absl::StatusOr<std::vector<bpf_insn>> update =
      BuildDeviceFilter({Rule(false, "a", std::nullopt, std::nullopt, "rwm"),
                         Rule(true, "c", 1, 3, "rw"), Rule(true, "c", 1, 5, "r")});
  BERTH_LIVE_REQUIRE_OK(update.status());
  BERTH_LIVE_REQUIRE_OK(AttachDeviceFilter(dir, *update));
  absl::StatusOr<std::vector<uint32_t>> swapped = QueryDeviceFilters(dir);
  BERTH_LIVE_REQUIRE_OK(swapped.status());
  REQUIRE(swapped->size() == 1);
  CHECK(swapped->front() != attached->front());
  CHECK(child.Ask('z') == 'y');
  CHECK(child.Ask('w') == 'y');
}

TEST_CASE("v2 manager live on the cgroup2 mount", "[cgroups][live][v2]") {
  Layout layout = RequireCgroup2();
  layout.mode = Mode::kUnified;  // drive the v2 manager on whatever cgroup2 offers
  std::string path = live::UniqueCgroupPath("v2");
  absl::StatusOr<std::unique_ptr<Manager>> created =
      NewManager(layout, {.cgroups_path = path, .container_id = "x"});
  BERTH_LIVE_REQUIRE_OK(created.status());
  Manager& manager = **created;
  std::string dir = manager.Paths().at("");
  REQUIRE(dir == layout.unified_mount + path);
  live::Cleanup cleanup;
  cleanup.AddDir(dir);

  BERTH_LIVE_REQUIRE_OK(manager.Create());
  REQUIRE(PathExists(dir));
  for (const std::string& controller : layout.unified_controllers) {
    INFO(controller);
    CHECK(Read(dir, "cgroup.controllers").find(controller) != std::string::npos);
  }

  spec::Resources r;
  r.devices = {Rule(false, "a", std::nullopt, std::nullopt, "rwm"), Rule(true, "c", 1, 3, "rw")};
  bool hugetlb = layout.HasUnifiedController("hugetlb") &&
                 PathExists("/sys/kernel/mm/hugepages/hugepages-2048kB");
  if (hugetlb) r.hugepage_limits = {{"2MB", 8 * 1024 * 1024}};
  r.unified = {{"cgroup.max.descendants", "5"}};
  BERTH_LIVE_REQUIRE_OK(manager.Apply(r));
  if (hugetlb) CHECK(Read(dir, "hugetlb.2MB.max") == "8388608");
  CHECK(Read(dir, "cgroup.max.descendants") == "5");

  Child& child = cleanup.Spawn(OpenStep);
  BERTH_LIVE_REQUIRE_OK(manager.AddProcess(child.pid()));
  CHECK(child.Ask('w') == 'y');
  CHECK(child.Ask('z') == 'p');
  absl::StatusOr<std::vector<pid_t>> pids = manager.Pids();
  BERTH_LIVE_REQUIRE_OK(pids.status());
  CHECK(*pids == std::vector<pid_t>{child.pid()});

  BERTH_LIVE_REQUIRE_OK(manager.Freeze());
  CHECK(*manager.GetFreezerState() == FreezerState::kFrozen);
  BERTH_LIVE_REQUIRE_OK(manager.Thaw());
  CHECK(*manager.GetFreezerState() == FreezerState::kThawed);
  CHECK(child.Ask('r') == 'y');

  absl::StatusOr<Stats> stats = manager.GetStats();
  BERTH_LIVE_REQUIRE_OK(stats.status());
  if (hugetlb) CHECK(stats->hugetlb.count("2MB") == 1);

  BERTH_LIVE_REQUIRE_OK(manager.SignalAll(SIGKILL));  // cgroup.kill on 5.14+
  absl::StatusOr<ExitStatus> exit = child.process().WaitFor(std::chrono::seconds(5));
  BERTH_LIVE_REQUIRE_OK(exit.status());
  CHECK(exit->signal == SIGKILL);
  BERTH_LIVE_REQUIRE_OK(manager.Destroy());
  CHECK_FALSE(PathExists(dir));
}

}  // namespace
}  // namespace berth::runtime::cgroups

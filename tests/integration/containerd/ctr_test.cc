// berth-ctr, the daemon's small client, run as a process against a real
// berth-containerd.
#include <catch2/catch.hpp>

#include "common/spawn.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

SpawnResult Ctr(DaemonFixture& f, std::vector<std::string> args) {
  TempDir scratch("berth-ctr");
  SpawnOptions spawn;
  spawn.argv = {BinaryPath("berth-ctr"), "--address", f.socket()};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  absl::StatusOr<SpawnResult> r = RunCommand(spawn, "", std::chrono::seconds(60), scratch.path());
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("berth-ctr runs a container to its exit code and removes it", "[containerd][ctr]") {
  DaemonFixture f;
  SpawnResult run = Ctr(f, {"run", "--rm", "--rootfs", f.rootfs(), "c1", "sh", "-c",
                            "echo out; echo err >&2; exit 7"});
  INFO(run.err);
  CHECK(run.status.code == 7);
  CHECK(run.out == "out\n");
  CHECK(run.err == "err\n");
  ctrpb::ListContainersResponse listed;
  REQUIRE(f.containers().List(Ctx().get(), {}, &listed).ok());
  CHECK(listed.containers_size() == 0);

  SpawnResult detached = Ctr(f, {"run", "-d", "--rootfs", f.rootfs(), "bg", "sleep", "100"});
  CHECK(detached.status.code == 0);
  SpawnResult tasks = Ctr(f, {"tasks"});
  CHECK_THAT(tasks.out, Catch::Contains("bg") && Catch::Contains("RUNNING"));
  CHECK(Ctr(f, {"rm", "bg"}).status.code == 0);
  ctrpb::ListTasksResponse left;
  REQUIRE(f.tasks().List(Ctx().get(), {}, &left).ok());
  CHECK(left.tasks_size() == 0);

  SpawnResult bad = Ctr(f, {"run", "--rm", "--rootfs", f.rootfs(), "bad", "/no/such"});
  CHECK(bad.status.code == 1);
  CHECK_THAT(bad.err, Catch::Contains("/no/such"));
  SpawnResult version = Ctr(f, {"version"});
  CHECK_THAT(version.out, Catch::Contains("Version:"));
}

}  // namespace
}  // namespace berth::testing

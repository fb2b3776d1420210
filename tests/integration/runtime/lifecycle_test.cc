// create / start / state / kill / delete / list, exit codes, and the state
// JSON, driven through the berth-runtime binary.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "common/file_util.h"
#include "common/proc.h"
#include "common/strings.h"
#include "tests/integration/runtime/runtime_fixture.h"
#include "tests/testutil/child_reaper.h"

namespace berth::testing {
namespace {

TEST_CASE("run prints the container's output and returns its exit code", "[lifecycle]") {
  RuntimeFixture f;
  SpawnResult ok = f.Run(f.NewId(), {"sh", "-c", "echo hello; echo oops >&2"});
  CHECK(ok.status.code == 0);
  CHECK(ok.out == "hello\n");
  CHECK(ok.err.find("oops\n") != std::string::npos);

  SpawnResult three = f.Run(f.NewId(), {"sh", "-c", "exit 3"});
  CHECK(three.status.code == 3);

  // pid 1 of a pid namespace ignores signals sent from inside it, so the
  // victim is a child; sh reports its death as 128 + 9.
  SpawnResult killed = f.Run(f.NewId(), {"sh", "-c", "/bin/berth-probe kill-self 9; exit $?"});
  CHECK(killed.status.code == 128 + SIGKILL);
}

TEST_CASE("run in the foreground returns 128+signal when init is killed", "[lifecycle]") {
  RuntimeFixture f;
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "100"};
  f.WriteBundle();
  SpawnOptions o;
  o.argv = {RuntimePath(), "--root", f.root(), "run", "--bundle", f.bundle(), id};
  absl::StatusOr<ScopedPid> run = Spawn(o);
  REQUIRE(run.ok());
  REQUIRE(f.WaitForStatus(id, "running"));
  REQUIRE(f.Runtime({"kill", id, "KILL"}).status.code == 0);
  absl::StatusOr<ExitStatus> status = WaitChild(run->release(), std::chrono::seconds(10));
  REQUIRE(status.ok());
  CHECK(status->code == 128 + SIGKILL);
  // run deletes the container when it ends.
  CHECK(f.Runtime({"state", id}).status.code != 0);
}

TEST_CASE("create, start, state, kill and delete move through the OCI states", "[lifecycle]") {
  RuntimeFixture f;
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "30"};
  f.WriteBundle();
  std::string pid_file = f.root() + "-pid";
  SpawnResult created = f.Runtime({"create", "--bundle", f.bundle(), "--pid-file", pid_file, id});
  INFO(created.err);
  REQUIRE(created.status.code == 0);

  json::Json state = f.State(id);
  CHECK(state["status"] == "created");
  CHECK(state["id"] == id);
  CHECK(state["bundle"] == f.bundle());
  CHECK(state["ociVersion"] == "1.2.0");
  CHECK(state["rootfs"] == f.rootfs());
  int pid = state["pid"].get<int>();
  CHECK(pid > 0);
  CHECK(*ReadFile(pid_file) == std::to_string(pid));
  CHECK(IsSameLiveProcess(pid, 0));

  // A second create with the same id is refused and leaves the first alone.
  SpawnResult dup = f.Runtime({"create", "--bundle", f.bundle(), id});
  CHECK(dup.status.code != 0);
  CHECK(dup.err.find("already exists") != std::string::npos);
  CHECK(f.State(id)["status"] == "created");

  REQUIRE(f.Runtime({"start", id}).status.code == 0);
  CHECK(f.State(id)["status"] == "running");
  SpawnResult again = f.Runtime({"start", id});
  CHECK(again.status.code != 0);
  CHECK(again.err.find("already running") != std::string::npos);

  SpawnResult busy = f.Runtime({"delete", id});
  CHECK(busy.status.code != 0);
  CHECK(busy.err.find("not stopped") != std::string::npos);

  // pid 1 of a namespace only takes the signals it handles: sleep dies of
  // KILL, not TERM.
  REQUIRE(f.Runtime({"kill", id, "KILL"}).status.code == 0);
  REQUIRE(f.WaitForStatus(id, "stopped"));
  CHECK(f.State(id)["pid"] == 0);
  SpawnResult dead = f.Runtime({"kill", id, "KILL"});
  CHECK(dead.status.code != 0);

  REQUIRE(f.Runtime({"delete", id}).status.code == 0);
  SpawnResult gone = f.Runtime({"state", id});
  CHECK(gone.status.code != 0);
  CHECK(gone.err.find("does not exist") != std::string::npos);
  CHECK(f.Runtime({"delete", "--force", id}).status.code == 0);
}

TEST_CASE("delete of a created container kills its init", "[lifecycle]") {
  RuntimeFixture f;
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"true"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"create", "--bundle", f.bundle(), id}).status.code == 0);
  int pid = f.State(id)["pid"].get<int>();
  REQUIRE(f.Runtime({"delete", id}).status.code == 0);
  CHECK_FALSE(IsSameLiveProcess(pid, 0));
}

TEST_CASE("delete --force kills a running container", "[lifecycle]") {
  RuntimeFixture f;
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "100"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"run", "-d", "--bundle", f.bundle(), id}).status.code == 0);
  int pid = f.State(id)["pid"].get<int>();
  REQUIRE(f.Runtime({"delete", "--force", id}).status.code == 0);
  CHECK_FALSE(IsSameLiveProcess(pid, 0));
}

TEST_CASE("list shows containers as a table and as JSON", "[lifecycle]") {
  RuntimeFixture f;
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "30"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"run", "-d", "--bundle", f.bundle(), id}).status.code == 0);
  SpawnResult table = f.Runtime({"list"});
  REQUIRE(table.status.code == 0);
  CHECK(table.out.rfind("ID", 0) == 0);
  CHECK(table.out.find(id) != std::string::npos);
  CHECK(table.out.find("running") != std::string::npos);
  SpawnResult js = f.Runtime({"list", "--format", "json"});
  REQUIRE(js.status.code == 0);
  json::Json list = *json::Parse(js.out, "list");
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == id);
  CHECK(list[0]["status"] == "running");
  CHECK(list[0]["owner"] == "root");
  SpawnResult quiet = f.Runtime({"list", "-q"});
  CHECK(quiet.out == id + "\n");
}

TEST_CASE("kill names and numbers, and kill --all", "[lifecycle]") {
  RuntimeFixture f;
  std::string id = f.NewId();
  // A shell with a background child: --all must reach both.
  f.config()["process"]["args"] = {"sh", "-c", "sleep 100 & sleep 100; true"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"run", "-d", "--bundle", f.bundle(), id}).status.code == 0);
  // The shell forks its children after start returns: wait for all three.
  json::Json pids;
  for (int i = 0; i < 500 && pids.size() != 3; ++i) {
    SpawnResult ps = f.Runtime({"ps", "--format", "json", id});
    REQUIRE(ps.status.code == 0);
    pids = *json::Parse(ps.out, "ps");
  }
  REQUIRE(pids.size() == 3);
  CHECK(f.Runtime({"kill", id, "SIGBOGUS"}).status.code != 0);
  REQUIRE(f.Runtime({"kill", "--all", id, "9"}).status.code == 0);
  REQUIRE(f.WaitForStatus(id, "stopped"));
  for (const auto& pid : pids) CHECK_FALSE(IsSameLiveProcess(pid.get<int>(), 0));
}

TEST_CASE("ps prints the container's processes", "[lifecycle]") {
  RuntimeFixture f;
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "30"};
  f.WriteBundle();
  REQUIRE(f.Runtime({"run", "-d", "--bundle", f.bundle(), id}).status.code == 0);
  // start returns once init may go on; its exec of sleep follows.
  SpawnResult ps;
  for (int i = 0; i < 500; ++i) {
    ps = f.Runtime({"ps", id});
    REQUIRE(ps.status.code == 0);
    if (ps.out.find("sleep 30") != std::string::npos) break;
  }
  CHECK(ps.out.rfind("UID", 0) == 0);
  CHECK(ps.out.find("sleep 30") != std::string::npos);
}

}  // namespace
}  // namespace berth::testing

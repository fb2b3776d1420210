// Runs berth-init on the host, as a child of the test (the test process is
// the child subreaper, so berth-init is not pid 1 and makes itself one).
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::spec {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;
using namespace std::chrono_literals;

SpawnResult RunInit(const std::vector<std::string>& args, const TempDir& dir) {
  SpawnOptions o;
  o.argv = {BERTH_INIT_BINARY};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  return ValueOrFail(berth::testing::RunCommand(o, "", 20s, dir.path()));
}

TEST_CASE("init: exits with the child's code", "[init]") {
  TempDir dir;
  CHECK(RunInit({"--", "/bin/sh", "-c", "exit 7"}, dir).status.code == 7);
  CHECK(RunInit({"/bin/sh", "-c", "echo hi"}, dir).out == "hi\n");
  CHECK(RunInit({"/bin/true"}, dir).status.success());
}

TEST_CASE("init: a child killed by a signal gives 128+N", "[init]") {
  TempDir dir;
  SpawnResult r = RunInit({"/bin/sh", "-c", "kill -KILL $$"}, dir);
  CHECK(r.status.signal == 0);  // berth-init itself exits normally
  CHECK(r.status.code == 137);
}

TEST_CASE("init: exec failures exit like a shell", "[init]") {
  TempDir dir;
  SpawnResult missing = RunInit({"/no/such/program"}, dir);
  CHECK(missing.status.code == 127);
  CHECK(missing.err.find("berth-init: exec /no/such/program") != std::string::npos);
  REQUIRE_OK(WriteFile(dir.Sub("not-exec"), "#!/bin/sh\n", 0644));
  CHECK(RunInit({dir.Sub("not-exec")}, dir).status.code == 126);
  CHECK(RunInit({}, dir).status.code == 1);
}

TEST_CASE("init: orphaned grandchildren are reaped", "[init]") {
  TempDir dir;
  // The shell orphans three children (they re-parent to berth-init, the
  // subreaper), checks one arrived, then that none is left a zombie.
  const char* script =
      "init=$PPID; (sleep 2 &); (true &); (true &); sleep 0.1;"
      "adopted=0; zombies=0;"
      "for f in /proc/[0-9]*/stat; do read -r line < $f 2>/dev/null || continue;"
      "  rest=${line##*) }; set -- $rest;"
      "  if [ \"$2\" = \"$init\" ]; then adopted=$((adopted+1)); fi; done;"
      "sleep 0.6;"
      "for f in /proc/[0-9]*/stat; do read -r line < $f 2>/dev/null || continue;"
      "  rest=${line##*) }; set -- $rest;"
      "  if [ \"$2\" = \"$init\" ] && [ \"$1\" = Z ]; then zombies=$((zombies+1)); fi; done;"
      "echo adopted=$adopted zombies=$zombies";
  SpawnResult r = RunInit({"/bin/sh", "-c", script}, dir);
  CHECK(r.status.code == 0);
  INFO(r.out << r.err);
  // The shell itself plus the sleeping orphan.
  CHECK(r.out.find("zombies=0") != std::string::npos);
  CHECK(r.out.find("adopted=1") == std::string::npos);
  CHECK(r.out.find("adopted=0") == std::string::npos);
}

TEST_CASE("init: SIGTERM is forwarded to the child", "[init]") {
  TempDir dir;
  berth::testing::StartChildReaper();
  std::string ready = dir.Sub("ready");
  SpawnOptions o;
  o.argv = {BERTH_INIT_BINARY, "--", "/bin/sh", "-c",
            "trap 'exit 42' TERM; touch " + ready + "; while :; do sleep 0.05; done"};
  ScopedPid init = ValueOrFail(Spawn(o));
  for (int i = 0; i < 200 && !PathExists(ready); ++i) std::this_thread::sleep_for(20ms);
  REQUIRE(PathExists(ready));
  REQUIRE(kill(init.get(), SIGTERM) == 0);
  ExitStatus status = ValueOrFail(berth::testing::WaitChild(init.release(), 10s));
  CHECK(status.code == 42);
}

}  // namespace
}  // namespace berth::engined::spec

// OomWatch on a real container cgroup: a container with a small memory limit
// allocates past it and the kernel's OOM kill is reported.
#include "shim/runtime/oom_watch.h"

#include <poll.h>
#include <signal.h>

#include <catch2/catch.hpp>

#include "common/strings.h"
#include "tests/integration/shim/runtime_client_fixture.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

using std::chrono::seconds;

bool Readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

void OomKill(const std::string& runtime) {
  RuntimeClientFixture f(runtime, Waiting::kReaper);
  std::string id = f.NewId();
  f.config()["linux"]["resources"]["memory"] = {{"limit", 32 << 20}, {"swap", 32 << 20}};
  f.config()["process"]["args"] = {"sh", "-c", "/bin/berth-probe alloc 256; exit $?"};
  f.WriteBundle();
  pid_t pid = ValueOrFail(f.client().Create(id, f.bundle(), {}));

  shim::OomWatch watch = ValueOrFail(shim::OomWatch::ForPid(pid));
  INFO("watching " << watch.dir() << " (v" << watch.version() << ")");
  CHECK(watch.dir().size() > id.size());
  CHECK(watch.dir().substr(watch.dir().size() - id.size()) == id);
  CHECK_FALSE(Readable(watch.fd(), 0));

  REQUIRE_OK(f.client().Start(id));
  bool oom = false;
  for (int i = 0; i < 30 && !oom; ++i) {
    if (!Readable(watch.fd(), 1000)) continue;
    oom = ValueOrFail(watch.OnReadable());
  }
  CHECK(oom);
  CHECK(watch.count() >= 1);
  // The shell outlives its OOM-killed child and exits with its status.
  ExitStatus exit = ValueOrFail(f.WaitForContainerExit(pid, seconds(10)));
  CHECK(exit.code == 128 + SIGKILL);

  REQUIRE_OK(f.client().Delete(id));
  // Removing the cgroup wakes a v1 watch once more; that is no OOM.
  if (watch.version() == 1 && Readable(watch.fd(), 2000)) {
    uint64_t before = watch.count();
    CHECK(ValueOrFail(watch.OnReadable()) == false);
    CHECK(watch.removed());
    CHECK(watch.count() == before);
  }
}

TEST_CASE("berth-runtime: OomWatch reports the container's OOM kill", "[oom_watch]") {
  OomKill(BerthRuntimePath());
}

TEST_CASE("runc: OomWatch reports the container's OOM kill", "[oom_watch]") {
  OomKill(RuncPathOrSkip());
}

TEST_CASE("OomWatch for a process outside any container names it", "[oom_watch]") {
  RequireRoot();
  // Our own memory cgroup works too (v1 here, v2 elsewhere): a watch is
  // created and stays quiet.
  absl::StatusOr<shim::OomWatch> self = shim::OomWatch::ForPid(getpid());
  if (!self.ok()) {
    INFO(std::string(ToStd(self.status().message())));
    CHECK((self.status().code() == absl::StatusCode::kNotFound ||
           self.status().code() == absl::StatusCode::kUnavailable));
    return;
  }
  CHECK_FALSE(Readable(self->fd(), 0));
}

}  // namespace
}  // namespace berth::testing

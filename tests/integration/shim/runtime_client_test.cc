// RuntimeClient driving the real berth-runtime and Debian's runc through a
// busybox bundle: the lifecycle, exec, and errors carrying the runtime's own
// message and a code.
#include "shim/runtime/runtime_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "tests/integration/shim/runtime_client_fixture.h"
#include "tests/testutil/status_testing.h"

namespace berth::testing {
namespace {

using std::chrono::seconds;

std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

struct Pipe {
  UniqueFd r, w;
  Pipe() {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    r.reset(fds[0]);
    w.reset(fds[1]);
  }
  // Reads until a newline (or EOF / 10 s); the line without it.
  std::string ReadLine() {
    std::string line;
    char c;
    for (;;) {
      struct pollfd p = {r.get(), POLLIN, 0};
      if (poll(&p, 1, 10000) != 1) break;
      if (read(r.get(), &c, 1) != 1 || c == '\n') break;
      line += c;
    }
    return line;
  }
};

std::string Name(const std::string& runtime) {
  return runtime.substr(runtime.find_last_of('/') + 1);
}

void Lifecycle(const std::string& runtime, Waiting waiting) {
  RuntimeClientFixture f(runtime, waiting);
  shim::RuntimeClient& c = f.client();
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sh", "-c", "echo hello; exec sleep 100"};
  f.WriteBundle();

  Pipe out;
  shim::CreateOptions o;
  o.stdio.out = out.w.get();
  o.pid_file = f.dir().Sub("init.pid");
  pid_t pid = ValueOrFail(c.Create(id, f.bundle(), o));
  out.w.reset();  // the container holds the only write end now
  CHECK(std::string(TrimSpace(ReadFile(o.pid_file).value_or(""))) == std::to_string(pid));

  shim::ContainerState state = ValueOrFail(c.State(id));
  CHECK(state.id == id);
  CHECK(state.status == "created");
  CHECK(state.pid == pid);
  CHECK(state.bundle == f.bundle());
  CHECK_FALSE(state.created.empty());

  REQUIRE_OK(c.Start(id));
  CHECK(out.ReadLine() == "hello");
  CHECK(ValueOrFail(c.State(id)).status == "running");
  std::vector<pid_t> pids = ValueOrFail(c.Ps(id));
  CHECK(pids == std::vector<pid_t>{pid});

  REQUIRE_OK(c.Pause(id));
  CHECK(ValueOrFail(c.State(id)).status == "paused");
  REQUIRE_OK(c.Resume(id));
  CHECK(ValueOrFail(c.State(id)).status == "running");

  REQUIRE_OK(c.Update(id, R"({"pids": {"limit": 50}})"));
  CHECK(TrimSpace(ReadFile(f.CgroupDir("pids", id) + "/pids.max").value_or("")) == "50");

  REQUIRE_OK(c.Kill(id, SIGKILL));
  ExitStatus exit = ValueOrFail(f.WaitForContainerExit(pid, std::chrono::seconds(10)));
  CHECK(exit.signal == SIGKILL);
  CHECK(ValueOrFail(c.State(id)).status == "stopped");
  REQUIRE_OK(c.Delete(id));
  CHECK(c.State(id).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("berth-runtime: create, start, state, ps, pause, update, kill, wait, delete",
          "[runtime_client]") {
  Lifecycle(BerthRuntimePath(), Waiting::kWaitpid);
}

TEST_CASE("runc: create, start, state, ps, pause, update, kill, wait, delete", "[runtime_client]") {
  Lifecycle(RuncPathOrSkip(), Waiting::kWaitpid);
}

TEST_CASE("crun: create, start, state, ps, pause, update, kill, wait, delete", "[runtime_client]") {
  Lifecycle(CrunPathOrSkip(), Waiting::kWaitpid);
}

TEST_CASE("berth-runtime: the lifecycle under a central reaper", "[runtime_client]") {
  Lifecycle(BerthRuntimePath(), Waiting::kReaper);
}

TEST_CASE("runc: the lifecycle under a central reaper", "[runtime_client]") {
  Lifecycle(RuncPathOrSkip(), Waiting::kReaper);
}

void ExecWithPidFile(const std::string& runtime) {
  RuntimeClientFixture f(runtime, Waiting::kWaitpid);
  shim::RuntimeClient& c = f.client();
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "100"};
  f.WriteBundle();
  pid_t init = ValueOrFail(c.Create(id, f.bundle(), {}));
  REQUIRE_OK(c.Start(id));

  json::Json process = f.config()["process"];
  process["args"] = {"sh", "-c", "echo exec-out; read x; exit 4"};
  Pipe in, out;
  shim::ExecOptions o;
  o.pid_file = f.dir().Sub("exec.pid");
  o.stdio.in = in.r.get();
  o.stdio.out = out.w.get();
  pid_t pid = ValueOrFail(c.Exec(id, json::Dump(process), o));
  in.r.reset();
  out.w.reset();
  CHECK(std::string(TrimSpace(ReadFile(o.pid_file).value_or(""))) == std::to_string(pid));
  CHECK(out.ReadLine() == "exec-out");
  std::vector<pid_t> pids = ValueOrFail(c.Ps(id));
  CHECK(std::find(pids.begin(), pids.end(), pid) != pids.end());
  CHECK(std::find(pids.begin(), pids.end(), init) != pids.end());
  in.w.reset();  // EOF: the exec'd shell exits
  ExitStatus exit = ValueOrFail(f.WaitForContainerExit(pid, seconds(10)));
  CHECK(exit.code == 4);

  REQUIRE_OK(c.Kill(id, SIGKILL));
  ValueOrFail(f.WaitForContainerExit(init, seconds(10)));
  REQUIRE_OK(c.Delete(id));
}

TEST_CASE("berth-runtime: exec with a pid file", "[runtime_client]") {
  ExecWithPidFile(BerthRuntimePath());
}

TEST_CASE("runc: exec with a pid file", "[runtime_client]") { ExecWithPidFile(RuncPathOrSkip()); }

TEST_CASE("crun: exec with a pid file", "[runtime_client]") { ExecWithPidFile(CrunPathOrSkip()); }

void Errors(const std::string& runtime) {
  RuntimeClientFixture f(runtime, Waiting::kReaper);
  shim::RuntimeClient& c = f.client();
  const std::string name = Name(runtime);
  std::string id = f.NewId();
  f.config()["process"]["args"] = {"sleep", "100"};
  f.WriteBundle();
  pid_t pid = ValueOrFail(c.Create(id, f.bundle(), {}));

  absl::StatusOr<pid_t> again = c.Create(id, f.bundle(), {});
  REQUIRE_FALSE(again.ok());
  WARN(Message(again.status()));
  CHECK(again.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(Message(again.status()).rfind(name + " create: ", 0) == 0);
  CHECK(Message(again.status()).find("exists") != std::string::npos);
  CHECK(ValueOrFail(c.State(id)).status == "created");  // the first one is untouched

  absl::Status missing = c.Start("no-such-container");
  WARN(Message(missing));
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(Message(missing).rfind(name + " start: ", 0) == 0);
  CHECK(Message(missing).find("does not exist") != std::string::npos);

  absl::StatusOr<pid_t> bad = c.Create(f.NewId(), f.dir().Sub("no-such-bundle"), {});
  REQUIRE_FALSE(bad.ok());
  WARN(Message(bad.status()));
  CHECK(Message(bad.status()).rfind(name + " create: ", 0) == 0);
  CHECK(Message(bad.status()).find("exit status") == std::string::npos);
  CHECK(Message(bad.status()).find("no-such-bundle") != std::string::npos);

  REQUIRE_OK(c.Start(id));
  absl::Status twice = c.Start(id);
  WARN(Message(twice));
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  absl::Status busy = c.Delete(id);
  WARN(Message(busy));
  CHECK(busy.code() == absl::StatusCode::kFailedPrecondition);

  REQUIRE_OK(c.Kill(id, SIGKILL));
  ValueOrFail(f.WaitForContainerExit(pid, seconds(10)));
  absl::Status dead = c.Kill(id, SIGKILL);
  WARN(Message(dead));
  CHECK(dead.code() == absl::StatusCode::kFailedPrecondition);
  absl::Status resume = c.Resume(id);
  WARN(Message(resume));
  CHECK(resume.code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE_OK(c.Delete(id));
}

TEST_CASE("berth-runtime: errors carry the runtime's message and a code", "[runtime_client]") {
  Errors(BerthRuntimePath());
}

TEST_CASE("runc: errors carry the runtime's message and a code", "[runtime_client]") {
  Errors(RuncPathOrSkip());
}

// crun words a missing container differently, and reports an early create
// failure (bad bundle) on stderr only, never in --log.
TEST_CASE("crun: a missing container is NotFound, an early create error only exits 1",
          "[runtime_client]") {
  RuntimeClientFixture f(CrunPathOrSkip(/*needs_cgroups=*/false), Waiting::kReaper);
  absl::Status missing = f.client().Start("no-such-container");
  WARN(Message(missing));
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(Message(missing).rfind("crun start: error opening file", 0) == 0);

  absl::StatusOr<pid_t> bad = f.client().Create(f.NewId(), f.dir().Sub("no-such-bundle"), {});
  REQUIRE_FALSE(bad.ok());
  WARN(Message(bad.status()));
  // The create's stderr is the container's: we do not capture it.
  CHECK(Message(bad.status()) == "crun create: exit status 1");
}

}  // namespace
}  // namespace berth::testing

// The rest of the task API: stats, pause / resume, update, OOM events,
// several attachers, log rotation, Connect / Shutdown, another runtime.
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/shim/shim_client.h"
#include "tests/integration/shim/shim_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

TEST_CASE("shim reports stats, pauses, resumes and updates a container", "[shim]") {
  ShimFixture f;
  f.config()["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
  f.config()["linux"]["resources"]["pids"] = {{"limit", 50}};
  f.SetArgs({"sleep", "100"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  {
    grpc::ClientContext context;
    shimpb::StatsRequest request;
    request.set_id(f.id());
    shimpb::StatsResponse stats;
    grpc::Status status = f.stub().Stats(&context, request, &stats);
    INFO(status.error_message());
    REQUIRE(status.ok());
    CHECK(stats.memory().limit() == 64u << 20);
    CHECK(stats.memory().usage() > 0);
    CHECK(stats.pids().current() == 1);
    CHECK(stats.pids().limit() == 50);
    CHECK(stats.timestamp().seconds() > 0);
  }
  {
    grpc::ClientContext context;
    shimpb::PauseRequest request;
    request.set_id(f.id());
    shimpb::Empty empty;
    REQUIRE(f.stub().Pause(&context, request, &empty).ok());
    CHECK(f.State().status() == shimpb::STATUS_PAUSED);
    CHECK(*ReadFile(fmt::format("/sys/fs/cgroup/freezer/{}/freezer.state", f.id())) == "FROZEN\n");
  }
  {
    grpc::ClientContext context;
    shimpb::ResumeRequest request;
    request.set_id(f.id());
    shimpb::Empty empty;
    REQUIRE(f.stub().Resume(&context, request, &empty).ok());
    CHECK(f.State().status() == shimpb::STATUS_RUNNING);
  }
  {
    grpc::ClientContext context;
    shimpb::ResumeRequest request;
    request.set_id(f.id());
    shimpb::Empty empty;
    CHECK(f.stub().Resume(&context, request, &empty).error_code() ==
          grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext context;
    shimpb::UpdateRequest request;
    request.set_id(f.id());
    request.set_resources(R"({"pids":{"limit":20}})");
    shimpb::Empty empty;
    grpc::Status status = f.stub().Update(&context, request, &empty);
    INFO(status.error_message());
    REQUIRE(status.ok());
    CHECK(*ReadFile(fmt::format("/sys/fs/cgroup/pids/{}/pids.max", f.id())) == "20\n");
  }
  REQUIRE(f.Kill(SIGKILL).ok());
  CHECK(f.WaitExit() == 137);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("shim publishes an OOM kill", "[shim]") {
  ShimFixture f;
  f.config()["linux"]["resources"]["memory"] = {{"limit", 32 << 20}, {"swap", 32 << 20}};
  f.SetArgs({"/bin/berth-probe", "alloc", "256"});
  f.Start();
  REQUIRE(f.Create().ok());
  REQUIRE(f.StartTask().ok());
  CHECK(f.WaitExit() == 137);
  bool oom = false;
  for (const shimpb::Event& event : CollectEvents(f.stub(), 0, 4)) {
    oom |= event.topic() == "/tasks/oom" && event.id() == f.id();
  }
  CHECK(oom);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("several attachers see the same output", "[shim][io]") {
  ShimFixture f;
  f.SetArgs({"sh", "-c", "read go; echo one; echo two >&2"});
  f.Start();
  shimpb::CreateRequest create;
  create.set_stdin(true);
  REQUIRE(f.Create(create).ok());
  Attachment a(f.stub(), f.id(), "");
  Attachment b(f.stub(), f.id(), "");
  Attachment only_err(f.stub(), f.id(), "", false, true);
  REQUIRE(a.opened());
  REQUIRE(b.opened());
  REQUIRE(only_err.opened());
  REQUIRE(f.StartTask().ok());
  REQUIRE(a.SendStdin("go\n"));
  CHECK(a.ReadAll().ok());
  CHECK(b.ReadAll().ok());
  CHECK(only_err.ReadAll().ok());
  CHECK(a.out() == "one\n");
  CHECK(a.err() == "two\n");
  CHECK(b.out() == "one\n");
  CHECK(b.err() == "two\n");
  CHECK(only_err.out().empty());
  CHECK(only_err.err() == "two\n");
  CHECK(f.WaitExit() == 0);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("CloseIO closes the container's stdin", "[shim][io]") {
  ShimFixture f;
  f.SetArgs({"sh", "-c", "cat; echo eof"});
  f.Start();
  shimpb::CreateRequest create;
  create.set_stdin(true);
  REQUIRE(f.Create(create).ok());
  Attachment a(f.stub(), f.id(), "");
  REQUIRE(a.opened());
  REQUIRE(f.StartTask().ok());
  REQUIRE(a.SendStdin("abc\n"));
  REQUIRE(a.ReadUntil("abc\n"));
  grpc::ClientContext context;
  shimpb::CloseIORequest request;
  request.set_id(f.id());
  request.set_stdin(true);
  shimpb::Empty empty;
  REQUIRE(f.stub().CloseIO(&context, request, &empty).ok());
  CHECK(a.ReadAll().ok());
  CHECK(a.out() == "abc\neof\n");
  CHECK(f.WaitExit() == 0);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("the json-file log rotates at max-size and keeps max-file files", "[shim][io]") {
  ShimFixture f;
  // 30,000 lines of 100 characters: about 4 MB of records.
  f.SetArgs({"sh", "-c",
             "yes 0123456789012345678901234567890123456789012345678901234567890123456789"
             "012345678901234567890123456789 | head -n 30000; echo last"});
  f.Start();
  shimpb::CreateRequest create;
  create.mutable_log()->set_format("json-file");
  create.mutable_log()->set_path(f.Path("ctr.log"));
  create.mutable_log()->set_max_size(1 << 20);
  create.mutable_log()->set_max_file(3);
  REQUIRE(f.Create(create).ok());
  REQUIRE(f.StartTask().ok());
  CHECK(f.WaitExit() == 0);
  for (const char* name : {"ctr.log", "ctr.log.1", "ctr.log.2"}) {
    struct stat st;
    INFO(name);
    REQUIRE(::stat(f.Path(name).c_str(), &st) == 0);
    CHECK(st.st_size <= (1 << 20));
    CHECK(st.st_size > 0);
  }
  CHECK_FALSE(PathExists(f.Path("ctr.log.3")));
  // Whole records in every file, the newest line last in the current one.
  std::vector<std::string> lines = SplitToStrings(*ReadFile(f.Path("ctr.log")), '\n', true);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back().starts_with(R"({"log":"last\n","stream":"stdout")"));
  for (const char* name : {"ctr.log.1", "ctr.log.2"}) {
    for (std::string_view line : Split(*ReadFile(f.Path(name)), '\n', true)) {
      INFO(name << ": " << line.substr(0, 200));
      CHECK(line.starts_with(R"({"log":"0123456789)"));
      CHECK(line.ends_with(R"(Z"})"));
    }
  }
  REQUIRE(f.Delete().ok());
}

TEST_CASE("Connect names the shim and its task, and Shutdown waits for the task", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sleep", "100"});
  f.Start();
  REQUIRE(f.Create().ok());
  uint32_t pid = 0;
  REQUIRE(f.StartTask("", &pid).ok());
  {
    grpc::ClientContext context;
    shimpb::ConnectRequest request;
    request.set_id(f.id());
    shimpb::ConnectResponse response;
    REQUIRE(f.stub().Connect(&context, request, &response).ok());
    CHECK(response.shim_pid() == static_cast<uint32_t>(f.ShimPid()));
    CHECK(response.task_pid() == pid);
    CHECK_FALSE(response.version().empty());
  }
  {
    // Not `now`: a shim holding a container stays.
    grpc::ClientContext context;
    shimpb::ShutdownRequest request;
    request.set_id(f.id());
    shimpb::Empty empty;
    REQUIRE(f.stub().Shutdown(&context, request, &empty).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(::kill(f.ShimPid(), 0) == 0);
    CHECK(f.State().status() == shimpb::STATUS_RUNNING);
  }
  REQUIRE(f.Kill(SIGKILL).ok());
  CHECK(f.WaitExit() == 137);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("the shim outlives a starter killed with SIGKILL", "[shim]") {
  ShimFixture f;
  f.SetArgs({"sh", "-c", "read line; echo $line; exit 4"});
  REQUIRE(WriteFile(f.bundle() + "/config.json", json::Dump(f.config(), 2)).ok());
  // The starter: a process group of its own that runs `start` and then
  // lingers, as a daemon would; it dies by SIGKILL with all of its group.
  SpawnOptions starter;
  starter.argv = {"/bin/sh", "-c",
                  ShimPath() + " --namespace default --id " + f.id() + " --bundle " + f.bundle() +
                      " --runtime " + BinaryPath("berth-runtime") + " --runtime-root " +
                      f.Path("runtime") + " --socket-dir " + f.Path("s") + " start > " +
                      f.Path("address.out") + "; sleep 100"};
  starter.new_session = true;
  absl::StatusOr<ScopedPid> pid = Spawn(starter);
  REQUIRE(pid.ok());
  pid_t starter_pid = pid->release();
  for (int i = 0; i < 1000 && TrimSpace(ReadFile(f.Path("address.out")).value_or("")).empty();
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(::kill(-starter_pid, SIGKILL) == 0);
  CHECK(WaitChild(starter_pid, std::chrono::seconds(10)).ok());
  f.Attach(std::string(TrimSpace(*ReadFile(f.Path("address.out")))));
  REQUIRE(::kill(f.ShimPid(), 0) == 0);
  shimpb::CreateRequest create;
  create.set_stdin(true);
  REQUIRE(f.Create(create).ok());
  Attachment a(f.stub(), f.id(), "");
  REQUIRE(a.opened());
  REQUIRE(f.StartTask().ok());
  REQUIRE(a.SendStdin("still here\n"));
  CHECK(a.ReadAll().ok());
  CHECK(a.out() == "still here\n");
  CHECK(f.WaitExit() == 4);
  REQUIRE(f.Delete().ok());
}

TEST_CASE("shim drives runc as well", "[shim][runc]") {
  std::string runc = access("/usr/sbin/runc", X_OK) == 0 ? "/usr/sbin/runc" : "/usr/bin/runc";
  if (access(runc.c_str(), X_OK) != 0) Skip("Debian's runc is not installed");
  ShimFixture f(runc);
  f.SetArgs({"sh", "-c", "echo from runc; read x; exit 6"});
  f.Start();
  shimpb::CreateRequest create;
  create.set_stdin(true);
  REQUIRE(f.Create(create).ok());
  Attachment a(f.stub(), f.id(), "");
  REQUIRE(a.opened());
  REQUIRE(f.StartTask().ok());
  REQUIRE(a.ReadUntil("from runc\n"));
  {
    shimpb::ExecRequest request;
    request.set_exec_id("e");
    request.set_spec(ExecSpec({"sh", "-c", "echo exec via runc"}));
    REQUIRE(f.Exec(request).ok());
    Attachment e(f.stub(), f.id(), "e");
    REQUIRE(e.opened());
    REQUIRE(f.StartTask("e").ok());
    CHECK(e.ReadAll().ok());
    CHECK(e.out() == "exec via runc\n");
    CHECK(f.WaitExit("e") == 0);
  }
  REQUIRE(a.SendStdin("x\n"));
  CHECK(a.ReadAll().ok());
  CHECK(f.WaitExit() == 6);
  CHECK(f.Create().error_code() == grpc::StatusCode::ALREADY_EXISTS);
  REQUIRE(f.Delete().ok());
}

}  // namespace
}  // namespace berth::testing

// berth-containerd killed and restarted: tasks survive, exits that happened
// while it was down are reported with their codes and published, a shim
// that died is cleaned up, and nothing is left once everything is deleted.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <thread>

#include "common/file_util.h"
#include "common/proc.h"
#include "common/strings.h"
#include "tests/integration/containerd/daemon_fixture.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

// The shim of task `id`, from the pid file it keeps in its bundle.
pid_t ShimPid(DaemonFixture& f, const std::string& id) {
  absl::StatusOr<std::string> pid = ReadFile(f.StateDir() + "/tasks/default/" + id + "/shim.pid");
  REQUIRE(pid.ok());
  return std::stoi(std::string(TrimSpace(*pid)));
}

// Waits until `pid` is gone (our reaper thread reaps what comes back to us).
bool Gone(pid_t pid) {
  for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ::kill(pid, 0) != 0;
}

size_t CountLines(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  return text.ok() ? Split(*text, '\n', true).size() : 0;
}

TEST_CASE("a shim that dies while the daemon runs is cleaned up and reported",
          "[containerd][restart]") {
  DaemonFixture f;
  EventCollector events(f.events(), {R"(topic~="^/tasks/(exit|delete)$")"});
  uint32_t pid = f.RunTask("orphan", {"sleep", "1000"});
  uint32_t kept = f.RunTask("kept", {"sleep", "1000"});
  REQUIRE(::kill(ShimPid(f, "orphan"), SIGKILL) == 0);
  ctrpb::TaskExit exit;
  REQUIRE(events.WaitFor("/tasks/exit", "orphan").event().UnpackTo(&exit));
  CHECK(exit.pid() == pid);
  CHECK(exit.exit_status() == 128 + SIGKILL);
  events.WaitFor("/tasks/delete", "orphan");
  CHECK(Gone(static_cast<pid_t>(pid)));
  ctrpb::GetRequest get;
  get.set_container_id("orphan");
  ctrpb::GetResponse got;
  CHECK(f.tasks().Get(Ctx().get(), get, &got).error_code() == StatusCode::NOT_FOUND);
  CHECK_FALSE(PathExists(f.StateDir() + "/tasks/default/orphan"));
  // The others are untouched.
  CHECK(f.TaskStatus("kept") == ctrpb::TASK_STATUS_RUNNING);
  CHECK(::kill(static_cast<pid_t>(kept), 0) == 0);
}

TEST_CASE("SIGTERM stops the daemon and leaves its tasks running", "[containerd][restart]") {
  DaemonFixture f;
  uint32_t pid = f.RunTask("stay", {"sleep", "1000"});
  f.StopDaemon(SIGTERM);
  CHECK(::kill(static_cast<pid_t>(pid), 0) == 0);
  f.StartDaemon();
  CHECK(f.TaskStatus("stay") == ctrpb::TASK_STATUS_RUNNING);
  ctrpb::DeleteResponse deleted;
  REQUIRE(f.DeleteTask("stay", /*force=*/true, &deleted).ok());
  CHECK(deleted.exit_status() == 128 + SIGKILL);
}

TEST_CASE("SIGKILL the daemon with 20 tasks, and every task and exit survives the restart",
          "[containerd][restart]") {
  DaemonFixture f;
  constexpr int kTasks = 20;
  std::map<std::string, uint32_t> pids;
  for (int i = 0; i < kTasks; ++i) {
    std::string id = "r" + std::to_string(i);
    if (i == 0) {
      // Logs every 50 ms: its log must keep growing across the restart.
      REQUIRE(f.CreateContainer(id, {"sh", "-c", "while true; do echo tick; sleep 0.05; done"}).ok());
      ctrpb::CreateTaskRequest create = f.TaskRequest(id);
      create.mutable_log()->set_format("json-file");
      create.mutable_log()->set_path(f.Path("r0.log"));
      REQUIRE(f.CreateTask(create).ok());
      REQUIRE(f.StartTask(id, &pids[id]).ok());
    } else if (i == 1) {
      // Stdin open for an attach after the restart.
      REQUIRE(f.CreateContainer(id, {"cat"}).ok());
      ctrpb::CreateTaskRequest create = f.TaskRequest(id);
      create.set_stdin(true);
      REQUIRE(f.CreateTask(create).ok());
      REQUIRE(f.StartTask(id, &pids[id]).ok());
    } else {
      pids[id] = f.RunTask(id, {"sleep", "1000"});
    }
  }
  // r15..r18 exit while the daemon is down (killed from here, as an OOM
  // killer or an admin would: SIGKILL, the one signal a container's init
  // cannot ignore from outside); r19's shim dies.
  pid_t dead_shim = ShimPid(f, "r19");
  f.StopDaemon(SIGKILL);
  for (int i = 15; i < 19; ++i) {
    REQUIRE(::kill(static_cast<pid_t>(pids["r" + std::to_string(i)]), SIGKILL) == 0);
  }
  REQUIRE(::kill(dead_shim, SIGKILL) == 0);
  // Let the exits happen, and the log grow, with nobody listening.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  size_t lines_while_down = CountLines(f.Path("r0.log"));
  CHECK(lines_while_down > 0);

  f.StartDaemon();
  EventCollector events(f.events(), {R"(topic=="/tasks/exit")", R"(topic=="/tasks/delete")"},
                        /*replay=*/true);
  for (int i = 15; i < 19; ++i) {
    std::string id = "r" + std::to_string(i);
    int sig = SIGKILL;
    INFO(id);
    CHECK(f.TaskStatus(id) == ctrpb::TASK_STATUS_STOPPED);
    CHECK(f.WaitTask(id) == static_cast<uint32_t>(128 + sig));
    ctrpb::TaskExit exit;
    REQUIRE(events.WaitFor("/tasks/exit", id).event().UnpackTo(&exit));
    CHECK(exit.exit_status() == static_cast<uint32_t>(128 + sig));
    CHECK(exit.pid() == pids[id]);
  }
  // The dead shim's task was cleaned up and reported.
  ctrpb::TaskExit dead_exit;
  REQUIRE(events.WaitFor("/tasks/exit", "r19").event().UnpackTo(&dead_exit));
  CHECK(dead_exit.pid() == pids["r19"]);
  CHECK(dead_exit.exit_status() == 128 + SIGKILL);
  events.WaitFor("/tasks/delete", "r19");
  ctrpb::GetRequest get;
  get.set_container_id("r19");
  ctrpb::GetResponse got;
  CHECK(f.tasks().Get(Ctx().get(), get, &got).error_code() == StatusCode::NOT_FOUND);
  CHECK_FALSE(PathExists(f.StateDir() + "/tasks/default/r19"));
  CHECK(Gone(static_cast<pid_t>(pids["r19"])));

  // Every other task is running and controllable.
  ctrpb::ListTasksResponse tasks;
  REQUIRE(f.tasks().List(Ctx().get(), {}, &tasks).ok());
  CHECK(tasks.tasks_size() == kTasks - 1);
  int running = 0;
  for (const ctrpb::Process& p : tasks.tasks()) {
    running += p.status() == ctrpb::TASK_STATUS_RUNNING;
    CHECK(p.pid() == pids[p.container_id()]);
  }
  CHECK(running == kTasks - 5);

  // exec
  ctrpb::ExecProcessRequest exec;
  exec.set_container_id("r2");
  exec.set_exec_id("after");
  exec.set_spec(R"({"args":["sh","-c","exit 9"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}})");
  google::protobuf::Empty empty;
  REQUIRE(f.tasks().Exec(Ctx().get(), exec, &empty).ok());
  REQUIRE(f.StartTask("r2", nullptr, "default", "after").ok());
  CHECK(f.WaitTask("r2", "default", "after") == 9);

  // attach
  {
    auto context = Ctx();
    auto stream = f.tasks().Attach(context.get());
    ctrpb::AttachRequest first;
    first.set_container_id("r1");
    first.set_stdout(true);
    REQUIRE(stream->Write(first));
    ctrpb::AttachResponse response;
    REQUIRE(stream->Read(&response));
    ctrpb::AttachRequest input;
    input.set_stdin("still here\n");
    REQUIRE(stream->Write(input));
    std::string out;
    while (out.size() < 11 && stream->Read(&response)) out += response.data();
    CHECK(out == "still here\n");
    context->TryCancel();
    stream->Finish();
  }

  // logs keep flowing
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(CountLines(f.Path("r0.log")) > lines_while_down);

  // kill
  ctrpb::KillRequest kill;
  kill.set_container_id("r3");
  kill.set_signal(SIGKILL);
  REQUIRE(f.tasks().Kill(Ctx().get(), kill, &empty).ok());
  CHECK(f.WaitTask("r3") == 128 + SIGKILL);

  // Delete everything: no shim, bundle or mount remains.
  std::vector<pid_t> shims;
  for (const ctrpb::Process& p : tasks.tasks()) shims.push_back(ShimPid(f, p.container_id()));
  for (const ctrpb::Process& p : tasks.tasks()) {
    ctrpb::DeleteResponse deleted;
    grpc::Status s = f.DeleteTask(p.container_id(), /*force=*/true, &deleted);
    INFO(p.container_id() << ": " << s.error_message());
    CHECK(s.ok());
  }
  std::error_code ec;
  CHECK(std::filesystem::is_empty(f.StateDir() + "/tasks/default", ec));
  for (pid_t shim : shims) CHECK(Gone(shim));
  absl::StatusOr<std::string> mounts = ReadFile("/proc/self/mountinfo");
  REQUIRE(mounts.ok());
  CHECK_THAT(*mounts, !Catch::Contains(f.StateDir()));
}

}  // namespace
}  // namespace berth::testing

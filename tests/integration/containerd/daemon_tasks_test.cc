// Tasks through berth-containerd: each one a real berth-shim driving
// berth-runtime, reached only through the daemon's gRPC API.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/containerd/daemon_fixture.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

TEST_CASE("a task runs, logs, is waited for and deleted, with its events", "[containerd]") {
  DaemonFixture f;
  EventCollector events(f.events(), {R"(topic~="^/tasks/")"});
  REQUIRE(f.CreateContainer("t1", {"sh", "-c", "echo hello; echo oops >&2; exit 3"}).ok());
  ctrpb::CreateTaskRequest create = f.TaskRequest("t1");
  create.mutable_log()->set_format("json-file");
  create.mutable_log()->set_path(f.Path("t1.log"));
  uint32_t pid = 0;
  grpc::Status s = f.CreateTask(create, &pid);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(pid > 0);
  CHECK(f.TaskStatus("t1") == ctrpb::TASK_STATUS_CREATED);
  REQUIRE(f.StartTask("t1").ok());
  CHECK(f.WaitTask("t1") == 3);
  CHECK(f.TaskStatus("t1") == ctrpb::TASK_STATUS_STOPPED);

  ctrpb::TaskExit exit;
  REQUIRE(events.WaitFor("/tasks/exit", "t1").event().UnpackTo(&exit));
  CHECK(exit.exit_status() == 3);
  CHECK(exit.pid() == pid);
  CHECK(exit.exited_at().seconds() > 0);
  events.WaitFor("/tasks/create", "t1");
  events.WaitFor("/tasks/start", "t1");

  std::string log = *ReadFile(f.Path("t1.log"));
  CHECK_THAT(log, Catch::Contains(R"({"log":"hello\n","stream":"stdout")"));
  CHECK_THAT(log, Catch::Contains(R"({"log":"oops\n","stream":"stderr")"));

  // The container cannot go while its task is there.
  ctrpb::DeleteContainerRequest del_container;
  del_container.set_id("t1");
  google::protobuf::Empty empty;
  CHECK(f.containers().Delete(Ctx().get(), del_container, &empty).error_code() ==
        StatusCode::FAILED_PRECONDITION);

  ctrpb::DeleteResponse deleted;
  REQUIRE(f.DeleteTask("t1", false, &deleted).ok());
  CHECK(deleted.exit_status() == 3);
  CHECK(deleted.pid() == pid);
  ctrpb::TaskDelete delete_event;
  REQUIRE(events.WaitFor("/tasks/delete", "t1").event().UnpackTo(&delete_event));
  CHECK(delete_event.exit_status() == 3);
  CHECK_FALSE(PathExists(f.StateDir() + "/tasks/default/t1"));
  REQUIRE(f.containers().Delete(Ctx().get(), del_container, &empty).ok());
  ctrpb::GetRequest get;
  get.set_container_id("t1");
  ctrpb::GetResponse got;
  CHECK(f.tasks().Get(Ctx().get(), get, &got).error_code() == StatusCode::NOT_FOUND);
}

TEST_CASE("attach carries stdin and output through the daemon", "[containerd]") {
  DaemonFixture f;
  REQUIRE(f.CreateContainer("cat", {"cat"}).ok());
  ctrpb::CreateTaskRequest create = f.TaskRequest("cat");
  create.set_stdin(true);
  REQUIRE(f.CreateTask(create).ok());
  auto context = Ctx();
  auto stream = f.tasks().Attach(context.get());
  ctrpb::AttachRequest first;
  first.set_container_id("cat");
  first.set_stdout(true);
  first.set_stderr(true);
  REQUIRE(stream->Write(first));
  ctrpb::AttachResponse response;
  REQUIRE(stream->Read(&response));  // attached
  CHECK(response.data().empty());
  REQUIRE(f.StartTask("cat").ok());
  ctrpb::AttachRequest input;
  input.set_stdin("ping\n");
  REQUIRE(stream->Write(input));
  std::string out;
  while (out.size() < 5 && stream->Read(&response)) {
    CHECK(response.stream() == ctrpb::ATTACH_STREAM_STDOUT);
    out += response.data();
  }
  CHECK(out == "ping\n");
  input.Clear();
  input.set_close_stdin(true);
  REQUIRE(stream->Write(input));
  REQUIRE(stream->WritesDone());
  ctrpb::CloseIORequest close;
  close.set_container_id("cat");
  close.set_stdin(true);
  google::protobuf::Empty empty;
  REQUIRE(f.tasks().CloseIO(Ctx().get(), close, &empty).ok());
  while (stream->Read(&response)) {
  }
  grpc::Status finished = stream->Finish();
  INFO(finished.error_message());
  CHECK(finished.ok());
  CHECK(f.WaitTask("cat") == 0);
  REQUIRE(f.DeleteTask("cat").ok());
}

TEST_CASE("exec, pause, resume, pids, metrics and kill all", "[containerd]") {
  DaemonFixture f;
  uint32_t pid = f.RunTask("busy", {"sleep", "1000"});
  CHECK(f.TaskStatus("busy") == ctrpb::TASK_STATUS_RUNNING);

  ctrpb::ExecProcessRequest exec;
  exec.set_container_id("busy");
  exec.set_exec_id("e1");
  exec.set_spec(R"({"args":["sh","-c","exit 4"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}})");
  google::protobuf::Empty empty;
  grpc::Status s = f.tasks().Exec(Ctx().get(), exec, &empty);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(f.tasks().Exec(Ctx().get(), exec, &empty).error_code() == StatusCode::ALREADY_EXISTS);
  REQUIRE(f.StartTask("busy", nullptr, "default", "e1").ok());
  CHECK(f.WaitTask("busy", "default", "e1") == 4);
  ctrpb::DeleteProcessRequest del_exec;
  del_exec.set_container_id("busy");
  del_exec.set_exec_id("e1");
  ctrpb::DeleteResponse exec_deleted;
  REQUIRE(f.tasks().DeleteProcess(Ctx().get(), del_exec, &exec_deleted).ok());
  CHECK(exec_deleted.exit_status() == 4);

  ctrpb::PauseTaskRequest pause;
  pause.set_container_id("busy");
  REQUIRE(f.tasks().Pause(Ctx().get(), pause, &empty).ok());
  CHECK(f.TaskStatus("busy") == ctrpb::TASK_STATUS_PAUSED);
  ctrpb::ResumeTaskRequest resume;
  resume.set_container_id("busy");
  REQUIRE(f.tasks().Resume(Ctx().get(), resume, &empty).ok());
  CHECK(f.TaskStatus("busy") == ctrpb::TASK_STATUS_RUNNING);

  ctrpb::ListPidsRequest pids;
  pids.set_container_id("busy");
  ctrpb::ListPidsResponse listed;
  REQUIRE(f.tasks().ListPids(Ctx().get(), pids, &listed).ok());
  bool found = false;
  for (const ctrpb::ProcessInfo& p : listed.processes()) found |= p.pid() == pid;
  CHECK(found);

  ctrpb::MetricsRequest metrics;
  metrics.add_filters("id==busy");
  ctrpb::MetricsResponse got;
  REQUIRE(f.tasks().Metrics(Ctx().get(), metrics, &got).ok());
  REQUIRE(got.metrics_size() == 1);
  CHECK(got.metrics(0).id() == "busy");
  CHECK(got.metrics(0).data().type_url() == "type.googleapis.com/berth.shim.v1.StatsResponse");

  ctrpb::ListTasksResponse tasks;
  REQUIRE(f.tasks().List(Ctx().get(), {}, &tasks).ok());
  REQUIRE(tasks.tasks_size() == 1);
  CHECK(tasks.tasks(0).pid() == pid);

  // Still running: delete needs force.
  CHECK(f.DeleteTask("busy").error_code() == StatusCode::FAILED_PRECONDITION);
  ctrpb::KillRequest kill;
  kill.set_container_id("busy");
  kill.set_signal(SIGKILL);
  kill.set_all(true);
  REQUIRE(f.tasks().Kill(Ctx().get(), kill, &empty).ok());
  CHECK(f.WaitTask("busy") == 128 + SIGKILL);
  // A stopped init takes no signal (but kill --all may still sweep leftovers).
  kill.set_all(false);
  CHECK(f.tasks().Kill(Ctx().get(), kill, &empty).error_code() == StatusCode::FAILED_PRECONDITION);
  REQUIRE(f.DeleteTask("busy").ok());
}

TEST_CASE("bad task requests get a clear status and leave nothing behind", "[containerd]") {
  DaemonFixture f;
  uint32_t pid = 0;
  grpc::Status s = f.CreateTask(f.TaskRequest("ghost"), &pid);
  CHECK(s.error_code() == StatusCode::NOT_FOUND);
  CHECK_THAT(s.error_message(), Catch::Contains("ghost"));
  CHECK(f.StartTask("ghost").error_code() == StatusCode::NOT_FOUND);
  CHECK(f.DeleteTask("ghost").error_code() == StatusCode::NOT_FOUND);
  ctrpb::WaitRequest wait;
  wait.set_container_id("ghost");
  ctrpb::WaitResponse waited;
  CHECK(f.tasks().Wait(Ctx().get(), wait, &waited).error_code() == StatusCode::NOT_FOUND);

  // No rootfs: a relative root.path and no mounts.
  REQUIRE(f.CreateContainer("noroot", {"true"}).ok());
  ctrpb::CreateTaskRequest bare;
  bare.set_container_id("noroot");
  s = f.CreateTask(bare);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(s.error_message(), Catch::Contains("root"));
  CHECK_FALSE(PathExists(f.StateDir() + "/tasks/default/noroot"));

  // A runtime failure comes back with the runtime's words, and nothing stays.
  ctrpb::CreateContainerRequest bad;
  *bad.mutable_container() = f.ContainerRecord("badexec", {"/no/such/binary"});
  ctrpb::CreateContainerResponse created;
  REQUIRE(f.containers().Create(Ctx().get(), bad, &created).ok());
  s = f.CreateTask(f.TaskRequest("badexec"));
  if (s.ok()) {
    s = f.StartTask("badexec");
  } else {
    CHECK_FALSE(PathExists(f.StateDir() + "/tasks/default/badexec"));
  }
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.error_message(), Catch::Contains("/no/such/binary"));

  // A snapshot that does not exist.
  ctrpb::CreateContainerRequest snap;
  *snap.mutable_container() = f.ContainerRecord("snap", {"true"});
  snap.mutable_container()->set_snapshotter("overlayfs");
  snap.mutable_container()->set_snapshot_key("snap-key");
  REQUIRE(f.containers().Create(Ctx().get(), snap, &created).ok());
  ctrpb::CreateTaskRequest from_snapshot;
  from_snapshot.set_container_id("snap");
  s = f.CreateTask(from_snapshot);
  CHECK(s.error_code() == StatusCode::NOT_FOUND);
  CHECK_THAT(s.error_message(), Catch::Contains("snap-key"));
  CHECK_FALSE(PathExists(f.StateDir() + "/tasks/default/snap"));

  // An unknown runtime name.
  ctrpb::CreateContainerRequest odd;
  *odd.mutable_container() = f.ContainerRecord("oddrt", {"true"});
  odd.mutable_container()->mutable_runtime()->set_name("io.example.nope");
  REQUIRE(f.containers().Create(Ctx().get(), odd, &created).ok());
  s = f.CreateTask(f.TaskRequest("oddrt"));
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(s.error_message(), Catch::Contains("io.example.nope"));
  CHECK_FALSE(PathExists(f.StateDir() + "/tasks/default/oddrt"));

  // Twice.
  f.RunTask("twice", {"sleep", "1000"});
  CHECK(f.CreateTask(f.TaskRequest("twice")).error_code() == StatusCode::ALREADY_EXISTS);
  CHECK(f.StartTask("twice").error_code() == StatusCode::FAILED_PRECONDITION);
  ctrpb::DeleteResponse deleted;
  REQUIRE(f.DeleteTask("twice", /*force=*/true, &deleted).ok());
  CHECK(deleted.exit_status() == 128 + SIGKILL);
}

TEST_CASE("50 tasks created and started in parallel by 10 clients", "[containerd]") {
  DaemonFixture f;
  constexpr int kClients = 10;
  constexpr int kPerClient = 5;
  std::vector<std::string> failures[kClients];
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto channel = f.NewChannel();
      auto containers = ctrpb::Containers::NewStub(channel);
      auto tasks = ctrpb::Tasks::NewStub(channel);
      for (int i = 0; i < kPerClient; ++i) {
        std::string id = "par-" + std::to_string(c) + "-" + std::to_string(i);
        ctrpb::CreateContainerRequest create;
        *create.mutable_container() = f.ContainerRecord(id, {"sh", "-c", "exit " + std::to_string(i)});
        ctrpb::CreateContainerResponse created;
        grpc::Status s = containers->Create(Ctx().get(), create, &created);
        ctrpb::CreateTaskResponse task;
        if (s.ok()) s = tasks->Create(Ctx().get(), f.TaskRequest(id), &task);
        ctrpb::StartRequest start;
        start.set_container_id(id);
        ctrpb::StartResponse started;
        if (s.ok()) s = tasks->Start(Ctx().get(), start, &started);
        ctrpb::WaitRequest wait;
        wait.set_container_id(id);
        ctrpb::WaitResponse waited;
        if (s.ok()) s = tasks->Wait(Ctx().get(), wait, &waited);
        if (s.ok() && waited.exit_status() != static_cast<uint32_t>(i)) {
          failures[c].push_back(id + ": exit status " + std::to_string(waited.exit_status()));
        }
        ctrpb::DeleteTaskRequest del;
        del.set_container_id(id);
        ctrpb::DeleteResponse deleted;
        if (s.ok()) s = tasks->Delete(Ctx().get(), del, &deleted);
        ctrpb::DeleteContainerRequest del_container;
        del_container.set_id(id);
        google::protobuf::Empty empty;
        if (s.ok()) s = containers->Delete(Ctx().get(), del_container, &empty);
        if (!s.ok()) failures[c].push_back(id + ": " + s.error_message());
      }
    });
  }
  for (std::thread& t : clients) t.join();
  for (int c = 0; c < kClients; ++c) {
    for (const std::string& failure : failures[c]) FAIL_CHECK(failure);
  }
  ctrpb::ListTasksResponse tasks;
  REQUIRE(f.tasks().List(Ctx().get(), {}, &tasks).ok());
  CHECK(tasks.tasks_size() == 0);
  std::error_code ec;
  CHECK(std::filesystem::is_empty(f.StateDir() + "/tasks/default", ec));
}

}  // namespace
}  // namespace berth::testing

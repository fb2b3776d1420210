#include "tests/integration/containerd/daemon_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "common/file_util.h"
#include "common/grpc/unix_socket.h"
#include "common/json_util.h"
#include "common/spawn.h"
#include "common/unique_fd.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& ns, std::chrono::seconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("berth-namespace", ns);
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

std::unique_ptr<grpc::ClientContext> LeaseCtx(const std::string& ns, const std::string& lease) {
  auto context = Ctx(ns);
  context->AddMetadata("berth-lease", lease);
  return context;
}

void DaemonFixture::CreateLease(const std::string& id, const std::string& ns) {
  ctrpb::CreateLeaseRequest create;
  create.set_id(id);
  ctrpb::CreateLeaseResponse created;
  grpc::Status s = leases_->Create(Ctx(ns).get(), create, &created);
  INFO(s.error_message());
  REQUIRE(s.ok());
}

void DaemonFixture::DeleteLease(const std::string& id, const std::string& ns) {
  ctrpb::DeleteLeaseRequest del;
  del.set_id(id);
  google::protobuf::Empty empty;
  grpc::Status s = leases_->Delete(Ctx(ns).get(), del, &empty);
  INFO(s.error_message());
  REQUIRE(s.ok());
}

void DaemonFixture::CollectGarbage() {
  CreateLease("collect-now");
  ctrpb::DeleteLeaseRequest del;
  del.set_id("collect-now");
  del.set_sync(true);
  google::protobuf::Empty empty;
  grpc::Status s = leases_->Delete(Ctx().get(), del, &empty);
  INFO(s.error_message());
  REQUIRE(s.ok());
}

DaemonFixture::DaemonFixture() : dir_("berth-ctrd") {
  RequireRoot();
  rootfs_ = dir_.Sub("image-rootfs");
  absl::Status made = testimage::CreateRootfs(rootfs_, testimage::RootfsOptions());
  INFO(made.ToString());
  REQUIRE(made.ok());
  // After CreateRootfs, which waits for its own children.
  StartChildReaper();
  socket_ = dir_.Sub("ctrd.sock");
  config_ = dir_.Sub("config.json");
  json::Json config = {{"shim", BinaryPath("berth-shim")},
                       {"default_runtime", BinaryPath("berth-runtime")},
                       {"runtimes", {{"runc", "runc"}}}};
  REQUIRE(WriteFile(config_, json::Dump(config)).ok());
  StartDaemon();
}

DaemonFixture::~DaemonFixture() {
  if (daemon_.ok()) {
    for (const std::string& ns : namespaces_used_) CleanNamespace(ns);
    StopDaemon(SIGTERM);
  }
  if (const char* keep = std::getenv("BERTH_TEST_DAEMON_LOG")) {
    absl::StatusOr<std::string> log = ReadFile(dir_.Sub("daemon.log"));
    if (log.ok()) WriteFile(keep, *log).IgnoreError();
  }
}

void DaemonFixture::StartDaemon() {
  UniqueFd log(
      ::open(dir_.Sub("daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  REQUIRE(log);
  SpawnOptions spawn;
  spawn.argv = {BinaryPath("berth-containerd"),
                "--address",
                socket_,
                "--root",
                RootDir(),
                "--state",
                dir_.Sub("state"),
                "--config",
                config_,
                "--log-level",
                "debug"};
  spawn.fds = {{1, log.get()}, {2, log.get()}};
  absl::StatusOr<ScopedPid> pid = Spawn(spawn);
  REQUIRE(pid.ok());
  daemon_ = *std::move(pid);
  Connect();
}

void DaemonFixture::SetConfig(const std::string& key, const std::string& json_value) {
  absl::StatusOr<json::Json> config = json::Parse(*ReadFile(config_), config_);
  REQUIRE(config.ok());
  absl::StatusOr<json::Json> value = json::Parse(json_value, key);
  REQUIRE(value.ok());
  (*config)[key] = *value;
  REQUIRE(WriteFile(config_, json::Dump(*config)).ok());
}

void DaemonFixture::StopDaemon(int sig) {
  REQUIRE(daemon_.ok());
  pid_t pid = daemon_.release();
  ::kill(pid, sig);
  absl::StatusOr<ExitStatus> status = WaitChild(pid, std::chrono::seconds(30));
  REQUIRE(status.ok());
  if (sig == SIGTERM) CHECK(status->code == 0);
}

std::shared_ptr<grpc::Channel> DaemonFixture::NewChannel() const {
  return grpcutil::DialUnix(socket_);
}

// Whether something accepts connections on `path` (the daemon serves only
// once it has restored its tasks; gRPC's reconnect back-off would add a
// second or more to every start).
bool Listening(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

void DaemonFixture::Connect() {
  for (int i = 0; i < 3000 && !Listening(socket_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::shared_ptr<grpc::Channel> channel = NewChannel();
  bool connected =
      channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!connected) {
    absl::StatusOr<std::string> log = ReadFile(dir_.Sub("daemon.log"));
    UNSCOPED_INFO("daemon log:\n" << (log.ok() ? *log : ""));
  }
  REQUIRE(connected);
  namespaces_ = ctrpb::Namespaces::NewStub(channel);
  containers_ = ctrpb::Containers::NewStub(channel);
  tasks_ = ctrpb::Tasks::NewStub(channel);
  events_ = ctrpb::Events::NewStub(channel);
  version_ = ctrpb::Version::NewStub(channel);
  snapshots_ = ctrpb::Snapshots::NewStub(channel);
  content_ = ctrpb::Content::NewStub(channel);
  images_ = ctrpb::Images::NewStub(channel);
  leases_ = ctrpb::Leases::NewStub(channel);
  diff_ = ctrpb::Diff::NewStub(channel);
}

void DaemonFixture::CleanNamespace(const std::string& ns) {
  ctrpb::ListTasksResponse tasks;
  if (tasks_->List(Ctx(ns).get(), {}, &tasks).ok()) {
    for (const ctrpb::Process& p : tasks.tasks()) {
      ctrpb::DeleteResponse deleted;
      grpc::Status s = DeleteTask(p.container_id(), /*force=*/true, &deleted, ns);
      if (!s.ok()) UNSCOPED_INFO("clean up task " << p.container_id() << ": " << s.error_message());
    }
  }
  ctrpb::ListContainersResponse containers;
  if (containers_->List(Ctx(ns).get(), {}, &containers).ok()) {
    for (const ctrpb::Container& c : containers.containers()) {
      ctrpb::DeleteContainerRequest request;
      request.set_id(c.id());
      google::protobuf::Empty empty;
      containers_->Delete(Ctx(ns).get(), request, &empty);
    }
  }
}

std::string DaemonFixture::Spec(const std::string& id, const std::vector<std::string>& args) const {
  testimage::ConfigOptions options;
  options.args = args;
  options.cgroups_path = "/berth-ctrd-" + std::to_string(::getpid()) + "-" + id;
  return json::Dump(testimage::DefaultRuntimeConfig(options));
}

ctrpb::Container DaemonFixture::ContainerRecord(const std::string& id,
                                                const std::vector<std::string>& args) const {
  ctrpb::Container c;
  c.set_id(id);
  c.set_image("busybox:test");
  c.mutable_runtime()->set_name("io.containerd.runc.v2");
  c.set_spec(Spec(id, args));
  return c;
}

grpc::Status DaemonFixture::CreateContainer(const std::string& id,
                                            const std::vector<std::string>& args,
                                            const std::string& ns) {
  ctrpb::CreateContainerRequest request;
  *request.mutable_container() = ContainerRecord(id, args);
  ctrpb::CreateContainerResponse response;
  return containers_->Create(Ctx(ns).get(), request, &response);
}

ctrpb::CreateTaskRequest DaemonFixture::TaskRequest(const std::string& id) const {
  ctrpb::CreateTaskRequest request;
  request.set_container_id(id);
  ctrpb::Mount* m = request.add_rootfs();
  m->set_type("bind");
  m->set_source(rootfs_);
  m->add_options("rbind");
  m->add_options("ro");
  return request;
}

grpc::Status DaemonFixture::CreateTask(const ctrpb::CreateTaskRequest& request, uint32_t* pid,
                                       const std::string& ns) {
  ctrpb::CreateTaskResponse response;
  grpc::Status status = tasks_->Create(Ctx(ns).get(), request, &response);
  if (pid != nullptr) *pid = response.pid();
  return status;
}

grpc::Status DaemonFixture::StartTask(const std::string& id, uint32_t* pid, const std::string& ns,
                                      const std::string& exec_id) {
  ctrpb::StartRequest request;
  request.set_container_id(id);
  request.set_exec_id(exec_id);
  ctrpb::StartResponse response;
  grpc::Status status = tasks_->Start(Ctx(ns).get(), request, &response);
  if (pid != nullptr) *pid = response.pid();
  return status;
}

uint32_t DaemonFixture::RunTask(const std::string& id, const std::vector<std::string>& args,
                                const std::string& ns) {
  grpc::Status s = CreateContainer(id, args, ns);
  INFO("create container " << id << ": " << s.error_message());
  REQUIRE(s.ok());
  s = CreateTask(TaskRequest(id), nullptr, ns);
  INFO("create task " << id << ": " << s.error_message());
  REQUIRE(s.ok());
  uint32_t pid = 0;
  s = StartTask(id, &pid, ns);
  INFO("start task " << id << ": " << s.error_message());
  REQUIRE(s.ok());
  return pid;
}

uint32_t DaemonFixture::WaitTask(const std::string& id, const std::string& ns,
                                 const std::string& exec_id) {
  ctrpb::WaitRequest request;
  request.set_container_id(id);
  request.set_exec_id(exec_id);
  ctrpb::WaitResponse response;
  grpc::Status s = tasks_->Wait(Ctx(ns).get(), request, &response);
  INFO("wait " << id << ": " << s.error_message());
  REQUIRE(s.ok());
  CHECK(response.exited_at().seconds() > 0);
  return response.exit_status();
}

grpc::Status DaemonFixture::DeleteTask(const std::string& id, bool force,
                                       ctrpb::DeleteResponse* response, const std::string& ns) {
  ctrpb::DeleteTaskRequest request;
  request.set_container_id(id);
  request.set_force(force);
  ctrpb::DeleteResponse ignored;
  return tasks_->Delete(Ctx(ns).get(), request, response != nullptr ? response : &ignored);
}

ctrpb::TaskStatus DaemonFixture::TaskStatus(const std::string& id, const std::string& ns) {
  ctrpb::GetRequest request;
  request.set_container_id(id);
  ctrpb::GetResponse response;
  grpc::Status s = tasks_->Get(Ctx(ns).get(), request, &response);
  INFO("get " << id << ": " << s.error_message());
  REQUIRE(s.ok());
  return response.process().status();
}

std::string EventContainerId(const ctrpb::Envelope& e) {
  ctrpb::TaskExit exit;
  if (e.event().UnpackTo(&exit)) return exit.container_id();
  ctrpb::TaskCreate create;
  if (e.event().UnpackTo(&create)) return create.container_id();
  ctrpb::TaskStart start;
  if (e.event().UnpackTo(&start)) return start.container_id();
  ctrpb::TaskDelete deleted;
  if (e.event().UnpackTo(&deleted)) return deleted.container_id();
  ctrpb::TaskExecStarted exec_started;
  if (e.event().UnpackTo(&exec_started)) return exec_started.container_id();
  ctrpb::ContainerCreate container;
  if (e.event().UnpackTo(&container)) return container.id();
  ctrpb::ContainerDelete container_deleted;
  if (e.event().UnpackTo(&container_deleted)) return container_deleted.id();
  return "";
}

struct EventCollector::State {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<ctrpb::Envelope>> reader;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<ctrpb::Envelope> seen;
  bool ended = false;
  std::thread thread;
};

EventCollector::EventCollector(ctrpb::Events::Stub& stub, const std::vector<std::string>& filters,
                               bool replay)
    : state_(std::make_shared<State>()) {
  ctrpb::SubscribeRequest request;
  for (const std::string& f : filters) request.add_filters(f);
  request.set_replay(replay);
  state_->reader = stub.Subscribe(&state_->context, request);
  state_->thread = std::thread([state = state_] {
    ctrpb::Envelope e;
    while (state->reader->Read(&e)) {
      std::lock_guard lock(state->mu);
      state->seen.push_back(e);
      state->cv.notify_all();
    }
    state->reader->Finish().ok();
    std::lock_guard lock(state->mu);
    state->ended = true;
    state->cv.notify_all();
  });
}

EventCollector::~EventCollector() {
  state_->context.TryCancel();
  state_->thread.join();
}

ctrpb::Envelope EventCollector::WaitFor(const std::string& topic, const std::string& container_id) {
  std::unique_lock lock(state_->mu);
  const ctrpb::Envelope* found = nullptr;
  state_->cv.wait_for(lock, std::chrono::seconds(30), [&] {
    for (const ctrpb::Envelope& e : state_->seen) {
      if (e.topic() == topic && EventContainerId(e) == container_id) {
        found = &e;
        return true;
      }
    }
    return state_->ended;
  });
  INFO("event " << topic << " for " << container_id);
  REQUIRE(found != nullptr);
  return *found;
}

std::vector<ctrpb::Envelope> EventCollector::Snapshot() {
  std::lock_guard lock(state_->mu);
  return state_->seen;
}

}  // namespace berth::testing

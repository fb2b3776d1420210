#include "bench/lifecycle_drivers.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "bench/bench_util.h"
#include "common/file_util.h"
#include "common/grpc/unix_socket.h"
#include "common/json_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"

namespace berth::bench {
namespace {

namespace ctrpb = ::berth::containerd::v1;
using testing::WaitChild;

constexpr char kImage[] = "docker.io/library/busybox:latest";
constexpr auto kCallTimeout = std::chrono::seconds(60);
constexpr auto kCommandTimeout = std::chrono::seconds(120);

// A client context in the benchmark's namespace, with a deadline.
std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->AddMetadata("berth-namespace", kBenchNamespace);
  c->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return c;
}

}  // namespace

// ---- berth-containerd ----------------------------------------------------------

BerthDaemon::BerthDaemon(DaemonOptions options, std::string dir, std::string run_dir,
                         std::string rootfs)
    : options_(std::move(options)),
      dir_(std::move(dir)),
      run_dir_(std::move(run_dir)),
      rootfs_(std::move(rootfs)),
      socket_(dir_ + "/ctrd.sock"),
      cgroup_prefix_("berth-ctrd-bench-" + std::to_string(::getpid()) + "-") {}

BerthDaemon::~BerthDaemon() { Stop(); }

absl::Status BerthDaemon::Start() {
  BERTH_RETURN_IF_ERROR(MkdirAll(dir_, 0700));
  BERTH_RETURN_IF_ERROR(MkdirAll(run_dir_, 0700));
  json::Json config = {{"shim", options_.berth_shim},
                       {"default_runtime", options_.berth_runtime},
                       {"runtime_root", run_dir_ + "/runtime"}};
  BERTH_RETURN_IF_ERROR(WriteFile(dir_ + "/config.json", json::Dump(config)));
  UniqueFd log(
      ::open((dir_ + "/daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log) return ErrnoErrorf(errno, "open {}/daemon.log", dir_);
  SpawnOptions spawn;
  spawn.argv = {options_.berth_containerd,
                "--address",
                socket_,
                "--root",
                dir_ + "/root",
                "--state",
                run_dir_ + "/state",
                "--config",
                dir_ + "/config.json",
                "--log-level",
                options_.log_level};
  spawn.fds = {{1, log.get()}, {2, log.get()}};
  BERTH_ASSIGN_OR_RETURN(ScopedPid pid, Spawn(spawn));
  pid_ = pid.release();
  for (int i = 0; i < 3000 && !Listening(socket_) && ::kill(pid_, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::shared_ptr<grpc::Channel> channel = grpcutil::DialUnix(socket_);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    return absl::UnavailableError("berth-containerd did not start; its log:\n" +
                                  Tail(dir_ + "/daemon.log", 20));
  }
  return absl::OkStatus();
}

std::unique_ptr<BerthDaemon::Client> BerthDaemon::NewClient() const {
  std::shared_ptr<grpc::Channel> channel = grpcutil::DialUnix(socket_);
  auto c = std::make_unique<Client>();
  c->containers = ctrpb::Containers::NewStub(channel);
  c->tasks = ctrpb::Tasks::NewStub(channel);
  return c;
}

absl::StatusOr<Cycle> BerthDaemon::RunTask(Client& client, const std::string& id) const {
  testimage::ConfigOptions config;
  config.args = {"true"};
  config.cgroups_path = "/" + cgroup_prefix_ + id;
  ctrpb::CreateContainerRequest create_container;
  ctrpb::Container* c = create_container.mutable_container();
  c->set_id(id);
  c->set_image("busybox:bench");
  c->mutable_runtime()->set_name("io.containerd.runc.v2");
  c->set_spec(json::Dump(testimage::DefaultRuntimeConfig(config)));
  ctrpb::CreateTaskRequest create_task;
  create_task.set_container_id(id);
  ctrpb::Mount* m = create_task.add_rootfs();
  m->set_type("bind");
  m->set_source(rootfs_);
  m->add_options("rbind");
  m->add_options("ro");
  ctrpb::StartRequest start;
  start.set_container_id(id);
  ctrpb::WaitRequest wait;
  wait.set_container_id(id);
  ctrpb::DeleteTaskRequest delete_task;
  delete_task.set_container_id(id);
  ctrpb::DeleteContainerRequest delete_container;
  delete_container.set_id(id);

  Cycle cycle;
  size_t step = 0;
  auto call = [&](auto&& fn) -> absl::Status {
    std::unique_ptr<grpc::ClientContext> context = Context();
    auto t0 = Clock::now();
    grpc::Status s = fn(context.get());
    cycle.step_ms[step] = Ms(t0, Clock::now());
    if (!s.ok()) {
      return absl::UnavailableError(
          fmt::format("{} {}: {}", kTaskSteps[step], id, s.error_message()));
    }
    ++step;
    return absl::OkStatus();
  };
  ctrpb::CreateContainerResponse created_container;
  ctrpb::CreateTaskResponse created_task;
  ctrpb::StartResponse started;
  ctrpb::WaitResponse waited;
  ctrpb::DeleteResponse deleted;
  google::protobuf::Empty empty;
  auto t0 = Clock::now();
  absl::Status s = call([&](grpc::ClientContext* ctx) {
    return client.containers->Create(ctx, create_container, &created_container);
  });
  if (s.ok()) {
    s = call([&](grpc::ClientContext* ctx) {
      return client.tasks->Create(ctx, create_task, &created_task);
    });
  }
  if (s.ok()) {
    s = call([&](grpc::ClientContext* ctx) { return client.tasks->Start(ctx, start, &started); });
  }
  if (s.ok()) {
    s = call([&](grpc::ClientContext* ctx) { return client.tasks->Wait(ctx, wait, &waited); });
  }
  if (s.ok()) {
    s = call(
        [&](grpc::ClientContext* ctx) { return client.tasks->Delete(ctx, delete_task, &deleted); });
  }
  if (s.ok()) {
    s = call([&](grpc::ClientContext* ctx) {
      return client.containers->Delete(ctx, delete_container, &empty);
    });
  }
  cycle.total_ms = Ms(t0, Clock::now());
  if (s.ok() && waited.exit_status() != 0) {
    s = absl::InternalError(fmt::format("task {}: exit status {}", id, waited.exit_status()));
  }
  if (!s.ok()) {
    RemoveTask(client, id);
    return s;
  }
  return cycle;
}

void BerthDaemon::RemoveAll() {
  if (pid_ <= 0) return;
  std::unique_ptr<Client> client = NewClient();
  ctrpb::ListContainersResponse containers;
  if (!client->containers->List(Context().get(), {}, &containers).ok()) return;
  for (const ctrpb::Container& c : containers.containers()) RemoveTask(*client, c.id());
}

void BerthDaemon::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!WaitChild(pid_, std::chrono::seconds(30)).ok()) {
      Warn("berth-containerd did not stop; killed");
    }
    pid_ = 0;
  }
  // A daemon not started by us directly (a wrapper given as
  // --berth-containerd) would survive its wrapper.
  for (pid_t stray : FindProcesses("", "--address " + socket_ + " ")) ::kill(stray, SIGKILL);
  for (pid_t shim : FindProcesses(options_.berth_shim, "unix://" + socket_)) {
    Warn("berth-shim " + std::to_string(shim) + " still running; killing it");
    ::kill(shim, SIGKILL);
  }
  for (const std::string& cg : CgroupsWithPrefix(cgroup_prefix_)) RemoveCgroup(cg);
}

void BerthDaemon::RemoveTask(Client& client, const std::string& id) const {
  ctrpb::DeleteTaskRequest delete_task;
  delete_task.set_container_id(id);
  delete_task.set_force(true);
  ctrpb::DeleteResponse deleted;
  (void)client.tasks->Delete(Context().get(), delete_task, &deleted);
  ctrpb::DeleteContainerRequest delete_container;
  delete_container.set_id(id);
  google::protobuf::Empty empty;
  (void)client.containers->Delete(Context().get(), delete_container, &empty);
}

// ---- containerd ------------------------------------------------------------------

ContainerdDaemon::ContainerdDaemon(DaemonOptions options, std::string dir, std::string run_dir)
    : options_(std::move(options)),
      dir_(std::move(dir)),
      run_dir_(std::move(run_dir)),
      sock_(dir_ + "/containerd.sock") {}

ContainerdDaemon::~ContainerdDaemon() { Stop(); }

absl::Status ContainerdDaemon::Start() {
  BERTH_RETURN_IF_ERROR(MkdirAll(dir_ + "/logs", 0700));
  BERTH_RETURN_IF_ERROR(MkdirAll(run_dir_, 0700));
  // containerd's defaults, but CRI disabled (not needed for ctr run), and
  // every path in our dirs.
  std::string config = fmt::format(
      "version = 2\n"
      "root = \"{0}/root\"\n"
      "state = \"{2}/state\"\n"
      "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
      "[grpc]\n  address = \"{1}\"\n"
      "[ttrpc]\n  address = \"{1}.ttrpc\"\n"
      "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"{0}/opt\"\n",
      dir_, sock_, run_dir_);
  BERTH_RETURN_IF_ERROR(WriteFile(dir_ + "/config.toml", config));
  SpawnOptions daemon;
  daemon.argv = {kContainerd, "--config", dir_ + "/config.toml", "--log-level", options_.log_level};
  UniqueFd log(::open((dir_ + "/containerd.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!log) return ErrnoErrorf(errno, "open {}/containerd.log", dir_);
  daemon.fds = {{1, log.get()}, {2, log.get()}};
  BERTH_ASSIGN_OR_RETURN(ScopedPid pid, Spawn(daemon));
  pid_ = pid.release();
  for (int i = 0; i < 3000 && !Listening(sock_) && ::kill(pid_, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!Ctr({"version"}).ok()) {
    return absl::UnavailableError("containerd did not start; its log:\n" +
                                  Tail(dir_ + "/containerd.log", 20));
  }
  return absl::OkStatus();
}

absl::Status ContainerdDaemon::Import(const std::string& archive) {
  return Ctr({"images", "import", archive});
}

absl::Status ContainerdDaemon::Pull(const std::string& reference) {
  return Ctr({"images", "pull", "--plain-http", reference});
}

absl::StatusOr<Cycle> ContainerdDaemon::Run(const std::string& id) {
  Cycle c;
  auto t0 = Clock::now();
  absl::Status s = Ctr({"run", "--rm", "--runc-root", run_dir_ + "/runc", "--fifo-dir",
                        run_dir_ + "/fifo", kImage, id, "true"});
  c.total_ms = Ms(t0, Clock::now());
  if (!s.ok()) {
    Remove(id);
    return s;
  }
  return c;
}

absl::StatusOr<Cycle> ContainerdDaemon::Version() {
  Cycle c;
  auto t0 = Clock::now();
  BERTH_RETURN_IF_ERROR(Ctr({"version"}));
  c.total_ms = Ms(t0, Clock::now());
  return c;
}

void ContainerdDaemon::RemoveAll() {
  if (pid_ <= 0) return;
  for (const std::string& id : List({"containers", "ls", "-q"})) Remove(id);
  (void)Ctr({"images", "rm", kImage});
}

void ContainerdDaemon::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!WaitChild(pid_, std::chrono::seconds(30)).ok()) Warn("containerd did not stop; killed");
    pid_ = 0;
  }
  for (pid_t shim : FindProcesses(kContainerdShim, sock_)) {
    Warn("containerd-shim-runc-v2 " + std::to_string(shim) + " still running; killing it");
    ::kill(shim, SIGKILL);
  }
  // ctr run's default cgroup is /<namespace>/<id>.
  RemoveCgroup(kBenchNamespace);
}

void ContainerdDaemon::Remove(const std::string& id) {
  (void)Ctr({"tasks", "delete", "--force", id});
  (void)Ctr({"containers", "delete", id});  // and its snapshot
}

std::vector<std::string> ContainerdDaemon::List(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  std::string path = dir_ + "/logs/list";
  if (!Ctr(args, path).ok()) return out;
  std::istringstream lines(ReadFile(path).value_or(""));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

absl::Status ContainerdDaemon::Ctr(const std::vector<std::string>& args, std::string log) {
  std::vector<std::string> argv = {kCtr, "--address", sock_, "--namespace", kBenchNamespace};
  argv.insert(argv.end(), args.begin(), args.end());
  bool keep = !log.empty();
  if (!keep) {
    log = fmt::format("{}/logs/{}-{}.log", dir_, args[0], counter_.fetch_add(1));
  }
  BERTH_ASSIGN_OR_RETURN(ExitStatus status, RunLogged(argv, log, kCommandTimeout));
  if (!status.success()) {
    return absl::UnavailableError(
        fmt::format("ctr {}: exit {}: {}", Join(args, " "), status.code, TrimSpace(Tail(log, 5))));
  }
  if (!keep) ::unlink(log.c_str());
  return absl::OkStatus();
}

}  // namespace berth::bench

#include "tests/integration/shim/shim_fixture.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/grpc/unix_socket.h"
#include "common/strings.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

std::atomic<int> g_counter{0};

bool Alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace

std::string ShimPath() { return BinaryPath("berth-shim"); }

std::string ExecSpec(const std::vector<std::string>& args, bool terminal) {
  json::Json process = {{"args", args},
                        {"cwd", "/"},
                        {"terminal", terminal},
                        {"env", {"PATH=/bin:/sbin:/usr/bin", "TERM=xterm"}},
                        {"user", {{"uid", 0}, {"gid", 0}}}};
  return json::Dump(process);
}

ShimFixture::ShimFixture(std::string runtime)
    : runtime_(runtime.empty() ? BinaryPath("berth-runtime") : std::move(runtime)),
      dir_("berth-shim") {
  RequireRoot();
  id_ = fmt::format("berth-shim-test-{}-{}", getpid(), g_counter++);
  bundle_ = dir_.Sub("bundle");
  testimage::RootfsOptions rootfs;
  rootfs.extra_files.push_back({BinaryPath("berth-probe"), "bin/berth-probe", 0755});
  REQUIRE(testimage::CreateRootfs(bundle_ + "/rootfs", rootfs).ok());
  config_ = testimage::DefaultRuntimeConfig(testimage::ConfigOptions());
  config_["linux"]["cgroupsPath"] = "/" + id_;
  SetArgs({"sh", "-c", "echo hello"});
  // Shims come back to us when `start` exits; from here on children are
  // waited for only through the reaper (CreateRootfs ran busybox itself).
  StartChildReaper();
}

ShimFixture::~ShimFixture() {
  pid_t shim = ShimPid();
  if (stub_) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    shimpb::ShutdownRequest request;
    request.set_id(id_);
    request.set_now(true);
    shimpb::Empty empty;
    stub_->Shutdown(&context, request, &empty);
  }
  for (int i = 0; i < 500 && Alive(shim); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO("shim " << shim << " of " << id_ << " did not exit");
  CHECK_FALSE(Alive(shim));
  if (Alive(shim)) ::kill(shim, SIGKILL);
  // What a daemon does after a shim is gone: the runtime's container, the
  // rootfs, the socket.
  Shim({"delete"});
  INFO("container " << id_ << " left something behind");
  for (const char* c : {"memory", "cpu", "pids", "devices", "freezer", "blkio", "systemd"}) {
    CHECK_FALSE(PathExists(fmt::format("/sys/fs/cgroup/{}/{}", c, id_)));
  }
  CHECK_FALSE(PathExists(dir_.Sub("runtime/default/" + id_)));
  CHECK_FALSE(PathExists(socket_path_));
  absl::StatusOr<std::string> mounts = ReadFile("/proc/self/mountinfo");
  REQUIRE(mounts.ok());
  CHECK(mounts->find(dir_.path()) == std::string::npos);
}

void ShimFixture::SetArgs(const std::vector<std::string>& args) {
  config_["process"]["args"] = args;
}

SpawnResult ShimFixture::Shim(const std::vector<std::string>& args) {
  SpawnOptions o;
  o.argv = {ShimPath(),          "--namespace",  "default",    "--id",   id_,
            "--bundle",          bundle_,        "--runtime",  runtime_, "--runtime-root",
            dir_.Sub("runtime"), "--socket-dir", dir_.Sub("s")};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  absl::StatusOr<SpawnResult> r = RunCommand(o, "", std::chrono::seconds(60), dir_.path());
  INFO("berth-shim " << Join(args, " ") << ": " << r.status());
  REQUIRE(r.ok());
  return *r;
}

std::string ShimFixture::Start() {
  REQUIRE(WriteFile(bundle_ + "/config.json", json::Dump(config_, 2)).ok());
  SpawnResult r = Shim({"start"});
  INFO("start stderr: " << r.err);
  REQUIRE(r.status.code == 0);
  std::string address(TrimSpace(r.out));
  REQUIRE(address.starts_with("unix:///"));
  socket_path_ = address.substr(7);
  Reconnect();
  return address;
}

void ShimFixture::Attach(const std::string& address) {
  REQUIRE(address.starts_with("unix:///"));
  socket_path_ = address.substr(7);
  Reconnect();
}

void ShimFixture::Reconnect() {
  channel_ = grpcutil::DialUnix(socket_path_);
  stub_ = shimpb::Shim::NewStub(channel_);
}

pid_t ShimFixture::ShimPid() const {
  absl::StatusOr<std::string> text = ReadFile(bundle_ + "/shim.pid");
  if (!text.ok()) return 0;
  return static_cast<pid_t>(std::stol(std::string(TrimSpace(*text))));
}

grpc::Status ShimFixture::Create(shimpb::CreateRequest request) {
  request.set_id(id_);
  if (!request.has_log()) {
    request.mutable_log()->set_format("json-file");
    request.mutable_log()->set_path(Path("ctr.log"));
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  shimpb::CreateResponse response;
  grpc::Status status = stub_->Create(&context, request, &response);
  if (!status.ok()) UNSCOPED_INFO("create: " << status.error_message());
  return status;
}

grpc::Status ShimFixture::Exec(shimpb::ExecRequest request) {
  grpc::ClientContext context;
  request.set_id(id_);
  shimpb::Empty empty;
  grpc::Status status = stub_->Exec(&context, request, &empty);
  if (!status.ok()) UNSCOPED_INFO("exec " << request.exec_id() << ": " << status.error_message());
  return status;
}

grpc::Status ShimFixture::StartTask(const std::string& exec_id, uint32_t* pid) {
  grpc::ClientContext context;
  shimpb::StartRequest request;
  request.set_id(id_);
  request.set_exec_id(exec_id);
  shimpb::StartResponse response;
  grpc::Status status = stub_->Start(&context, request, &response);
  if (!status.ok()) UNSCOPED_INFO("start " << exec_id << ": " << status.error_message());
  if (pid) *pid = response.pid();
  return status;
}

uint32_t ShimFixture::WaitExit(const std::string& exec_id) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  shimpb::WaitRequest request;
  request.set_id(id_);
  request.set_exec_id(exec_id);
  shimpb::WaitResponse response;
  grpc::Status status = stub_->Wait(&context, request, &response);
  INFO("wait: " << status.error_message());
  REQUIRE(status.ok());
  CHECK(response.exited_at().seconds() > 0);
  return response.exit_status();
}

grpc::Status ShimFixture::Delete(const std::string& exec_id, bool force,
                                 shimpb::DeleteResponse* response) {
  grpc::ClientContext context;
  shimpb::DeleteRequest request;
  request.set_id(id_);
  request.set_exec_id(exec_id);
  request.set_force(force);
  shimpb::DeleteResponse ignored;
  grpc::Status status = stub_->Delete(&context, request, response ? response : &ignored);
  if (!status.ok()) UNSCOPED_INFO("delete " << exec_id << ": " << status.error_message());
  return status;
}

grpc::Status ShimFixture::Kill(int signal, const std::string& exec_id, bool all) {
  grpc::ClientContext context;
  shimpb::KillRequest request;
  request.set_id(id_);
  request.set_exec_id(exec_id);
  request.set_signal(static_cast<uint32_t>(signal));
  request.set_all(all);
  shimpb::Empty empty;
  return stub_->Kill(&context, request, &empty);
}

shimpb::StateResponse ShimFixture::State(const std::string& exec_id) {
  grpc::ClientContext context;
  shimpb::StateRequest request;
  request.set_id(id_);
  request.set_exec_id(exec_id);
  shimpb::StateResponse response;
  grpc::Status status = stub_->State(&context, request, &response);
  INFO("state: " << status.error_message());
  REQUIRE(status.ok());
  return response;
}

}  // namespace berth::testing

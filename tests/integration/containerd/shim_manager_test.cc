// The daemon's view of shims: start one per bundle, reach it again from
// the bundle after a restart, clean up after one that died.
#include "containerd/runtime/shim_manager.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/proc.h"
#include "common/strings.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

namespace pb = ::berth::shim::v1;
using containerd::Bundle;
using containerd::ShimManager;

class EventLog {
 public:
  void Add(const Bundle& bundle, const pb::Event& event) {
    std::lock_guard lock(mu_);
    seen_.push_back(bundle.id + " " + event.topic());
    cv_.notify_all();
  }
  bool WaitFor(const std::string& entry) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      return std::find(seen_.begin(), seen_.end(), entry) != seen_.end();
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

struct Env {
  Env() : dir("berth-shimmgr") {
    RequireRoot();
    // Shims come back to us when `berth-shim start` exits, so that the
    // tests reap them (ReapShim) instead of leaving zombies to PID 1.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    rootfs = dir.Sub("image-rootfs");
    REQUIRE(testimage::CreateRootfs(rootfs, testimage::RootfsOptions()).ok());
    options.shim_binary = BinaryPath("berth-shim");
    options.runtime_root = dir.Sub("runtime");
    options.socket_dir = dir.Sub("s");
  }
  std::string Spec(const std::string& id, const std::vector<std::string>& args) {
    json::Json config = testimage::DefaultRuntimeConfig(testimage::ConfigOptions());
    config["process"]["args"] = args;
    config["linux"]["cgroupsPath"] = "/berth-shimmgr-" + id;
    return json::Dump(config);
  }
  pb::CreateRequest Create(const std::string& id) {
    pb::CreateRequest request;
    request.set_id(id);
    // The shim mounts the rootfs, as it would a snapshot.
    pb::Mount* m = request.add_rootfs();
    m->set_type("bind");
    m->set_source(rootfs);
    m->add_options("rbind");
    m->add_options("ro");
    return request;
  }
  TempDir dir;
  std::string rootfs;
  containerd::ShimLaunchOptions options;
};

// Waits for a shim (our child, see Env) to exit and reaps it.
bool ReapShim(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

uint32_t Wait(pb::Shim::Stub& stub, const std::string& id) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  pb::WaitRequest request;
  request.set_id(id);
  pb::WaitResponse response;
  grpc::Status status = stub.Wait(&context, request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.exit_status();
}

TEST_CASE("shim manager starts a shim per bundle and finds it again after a restart",
          "[containerd]") {
  Env env;
  std::string runtime = BinaryPath("berth-runtime");
  EventLog events;
  auto record = [&](const Bundle& b, const pb::Event& e) { events.Add(b, e); };
  absl::StatusOr<Bundle> bundle = containerd::CreateBundle(
      env.dir.Sub("state"), "default", "t1", env.Spec("t1", {"sh", "-c", "read x; exit 5"}));
  REQUIRE(bundle.ok());
  CHECK(absl::IsAlreadyExists(
      containerd::CreateBundle(env.dir.Sub("state"), "default", "t1", "{}").status()));
  {
    ShimManager manager(env.options, record);
    absl::StatusOr<std::shared_ptr<containerd::ShimHandle>> shim = manager.Start(*bundle, runtime);
    INFO(shim.status());
    REQUIRE(shim.ok());
    grpc::ClientContext context;
    pb::CreateRequest create = env.Create("t1");
    create.set_stdin(true);
    pb::CreateResponse created;
    grpc::Status status = (*shim)->stub().Create(&context, create, &created);
    INFO(status.error_message());
    REQUIRE(status.ok());
    grpc::ClientContext start_context;
    pb::StartRequest start;
    start.set_id("t1");
    pb::StartResponse started;
    REQUIRE((*shim)->stub().Start(&start_context, start, &started).ok());
    CHECK(events.WaitFor("t1 /tasks/start"));
  }
  // The daemon is gone (the manager destroyed); a new one finds the shim.
  absl::StatusOr<std::vector<Bundle>> bundles = containerd::ListBundles(env.dir.Sub("state"));
  REQUIRE(bundles.ok());
  REQUIRE(bundles->size() == 1);
  CHECK((*bundles)[0].id == "t1");
  ShimManager manager(env.options, record);
  absl::StatusOr<std::shared_ptr<containerd::ShimHandle>> shim = manager.Connect((*bundles)[0]);
  REQUIRE(shim.ok());
  {
    grpc::ClientContext context;
    pb::CloseIORequest close;
    close.set_id("t1");
    close.set_stdin(true);
    pb::Empty empty;
    REQUIRE((*shim)->stub().CloseIO(&context, close, &empty).ok());
  }
  CHECK(Wait((*shim)->stub(), "t1") == 5);
  CHECK(events.WaitFor("t1 /tasks/exit"));
  {
    grpc::ClientContext context;
    pb::DeleteRequest del;
    del.set_id("t1");
    pb::DeleteResponse deleted;
    REQUIRE((*shim)->stub().Delete(&context, del, &deleted).ok());
  }
  pid_t shim_pid = std::stoi(std::string(TrimSpace(*ReadFile(bundle->path + "/shim.pid"))));
  REQUIRE(manager.Shutdown("default", "t1").ok());
  // The shim exits once asked (its parent is gone: it is no child of ours).
  CHECK(ReapShim(shim_pid));
  CHECK_FALSE(PathExists(bundle->path + "/address"));
  REQUIRE(containerd::DeleteBundle(*bundle).ok());
  CHECK_FALSE(PathExists(bundle->path));
}

TEST_CASE("shim manager cleans up after a shim that died and reports its exit", "[containerd]") {
  Env env;
  std::string runtime = BinaryPath("berth-runtime");
  ShimManager manager(env.options, [](const Bundle&, const pb::Event&) {});
  absl::StatusOr<Bundle> bundle = containerd::CreateBundle(env.dir.Sub("state"), "default", "t2",
                                                           env.Spec("t2", {"sh", "-c", "exit 3"}));
  REQUIRE(bundle.ok());
  absl::StatusOr<std::shared_ptr<containerd::ShimHandle>> shim = manager.Start(*bundle, runtime);
  REQUIRE(shim.ok());
  {
    grpc::ClientContext context;
    pb::CreateResponse created;
    REQUIRE((*shim)->stub().Create(&context, env.Create("t2"), &created).ok());
    grpc::ClientContext start_context;
    pb::StartRequest start;
    start.set_id("t2");
    pb::StartResponse started;
    REQUIRE((*shim)->stub().Start(&start_context, start, &started).ok());
  }
  CHECK(Wait((*shim)->stub(), "t2") == 3);
  pid_t shim_pid = std::stoi(std::string(TrimSpace(*ReadFile(bundle->path + "/shim.pid"))));
  REQUIRE(::kill(shim_pid, SIGKILL) == 0);
  REQUIRE(ReapShim(shim_pid));
  CHECK_FALSE(manager.Connect(*bundle).ok());
  absl::StatusOr<containerd::ShimCleanup> cleanup = manager.Cleanup(*bundle, runtime);
  INFO(cleanup.status());
  REQUIRE(cleanup.ok());
  CHECK(cleanup->exit_status == 3);
  CHECK_FALSE(cleanup->exited_at.empty());
  REQUIRE(containerd::DeleteBundle(*bundle).ok());
  CHECK(ReadFile("/proc/self/mountinfo")->find(env.dir.path()) == std::string::npos);
  CHECK_FALSE(PathExists("/sys/fs/cgroup/memory/berth-shimmgr-t2"));
}

TEST_CASE("bundles refuse bad ids and never follow a mount when removed", "[containerd]") {
  Env env;
  CHECK(absl::IsInvalidArgument(
      containerd::CreateBundle(env.dir.Sub("state"), "default", "../x", "{}").status()));
  CHECK(absl::IsInvalidArgument(
      containerd::CreateBundle(env.dir.Sub("state"), "bad ns", "x", "{}").status()));
  absl::StatusOr<Bundle> bundle =
      containerd::CreateBundle(env.dir.Sub("state"), "default", "x", "{}");
  REQUIRE(bundle.ok());
  // A rootfs still mounted is unmounted first; the image's files survive.
  REQUIRE(::mount(env.rootfs.c_str(), (bundle->path + "/rootfs").c_str(), nullptr, MS_BIND,
                  nullptr) == 0);
  REQUIRE(containerd::DeleteBundle(*bundle).ok());
  CHECK(PathExists(env.rootfs + "/bin/busybox"));
  CHECK_FALSE(PathExists(bundle->path));
}

}  // namespace
}  // namespace berth::testing

// Interchangeability: Debian's containerd (its runc shim) drives
// berth-runtime in place of runc.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/file_util.h"
#include "tests/integration/runtime/runtime_fixture.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

void RemoveNamespaceCgroups(const std::string& ns) {
  std::error_code ec;
  for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    std::string dir = hierarchy.path().string() + "/" + ns;
    if (PathExists(dir)) CHECK(::rmdir(dir.c_str()) == 0);
  }
}

TEST_CASE("containerd's runc shim runs a busybox container with berth-runtime", "[interop]") {
  RequireRoot();
  if (access("/usr/bin/containerd", X_OK) != 0 || access("/usr/bin/ctr", X_OK) != 0 ||
      access("/usr/bin/containerd-shim-runc-v2", X_OK) != 0) {
    Skip("Debian's containerd package is not installed (containerd, ctr, containerd-shim-runc-v2)");
  }
  TempDir dir("berth-ctrd");
  std::string sock = dir.Sub("containerd.sock");
  REQUIRE(WriteFile(dir.Sub("config.toml"),
                    "version = 2\n"
                    "root = \"" + dir.Sub("root") + "\"\n"
                    "state = \"" + dir.Sub("state") + "\"\n"
                    "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                    "[grpc]\n  address = \"" + sock + "\"\n"
                    "[ttrpc]\n  address = \"" + sock + ".ttrpc\"\n")
              .ok());
  testimage::ImageOptions image;
  REQUIRE(testimage::CreateDockerArchive(dir.Sub("busybox.tar"), image).ok());

  StartChildReaper();
  SpawnOptions daemon;
  daemon.argv = {"/usr/bin/containerd", "--config", dir.Sub("config.toml"), "--log-level", "warn"};
  absl::StatusOr<ScopedPid> containerd = Spawn(daemon);
  REQUIRE(containerd.ok());
  pid_t containerd_pid = containerd->release();
  for (int i = 0; i < 500 && !PathExists(sock); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(PathExists(sock));

  // containerd puts each container in /<namespace>/<id> and leaves the
  // namespace's cgroup behind: a name of our own, removed at the end.
  std::string ns = "berth-interop-" + std::to_string(getpid());
  auto ctr = [&](std::vector<std::string> args) {
    SpawnOptions o;
    o.argv = {"/usr/bin/ctr", "--address", sock, "--namespace", ns};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    absl::StatusOr<SpawnResult> r = RunCommand(o, "", std::chrono::seconds(60), dir.path());
    REQUIRE(r.ok());
    return *r;
  };
  SpawnResult imported = ctr({"images", "import", dir.Sub("busybox.tar")});
  INFO(imported.err);
  REQUIRE(imported.status.code == 0);
  SpawnResult run = ctr({"run", "--rm", "--runc-binary", RuntimePath(),
                         "docker.io/library/busybox:latest", "berth-interop",
                         "sh", "-c", "echo hello from berth-runtime; exit 4"});
  INFO(run.err);
  CHECK(run.out == "hello from berth-runtime\n");
  CHECK(run.status.code == 4);
  // The shim passed --root of its own: the container is gone from it.
  SpawnResult list = ctr({"containers", "list", "-q"});
  CHECK(list.out.empty());

  kill(containerd_pid, SIGTERM);
  CHECK(WaitChild(containerd_pid, std::chrono::seconds(20)).ok());
  // containerd leaves its overlay snapshots unmounted after --rm.
  CHECK(ReadFile("/proc/self/mountinfo")->find(dir.path()) == std::string::npos);
  RemoveNamespaceCgroups(ns);
}

}  // namespace
}  // namespace berth::testing

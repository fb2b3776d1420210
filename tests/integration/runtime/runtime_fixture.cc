#include "tests/integration/runtime/runtime_fixture.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

std::atomic<int> g_counter{0};

}  // namespace

std::string ProbePath() { return BinaryPath("berth-probe"); }
std::string RuntimePath() { return BinaryPath("berth-runtime"); }

RuntimeFixture::RuntimeFixture(std::string runtime)
    : runtime_(runtime.empty() ? RuntimePath() : std::move(runtime)), dir_("berth-rt") {
  RequireRoot();
  root_ = dir_.Sub("state");
  bundle_ = dir_.Sub("bundle");
  log_ = dir_.Sub("runtime.log");
  testimage::RootfsOptions rootfs;
  rootfs.extra_files.push_back({ProbePath(), "bin/berth-probe", 0755});
  REQUIRE(testimage::CreateRootfs(bundle_ + "/rootfs", rootfs).ok());
  testimage::ConfigOptions options;
  config_ = testimage::DefaultRuntimeConfig(options);
  // Detached containers must come back to us, as they would to a shim: an
  // orphan reparented to PID 1 is not ours to wait for (and some PID 1s
  // kill what they inherit). From here on, children are waited for only
  // through the reaper.
  StartChildReaper();
}

RuntimeFixture::~RuntimeFixture() {
  for (const std::string& id : ids_) {
    Runtime({"delete", "--force", id});
    CheckNoLeaks(id);
  }
}

std::string RuntimeFixture::NewId() {
  std::string id = fmt::format("berth-test-{}-{}", getpid(), g_counter++);
  ids_.push_back(id);
  // Each container gets its own top-level cgroup so the leak check can
  // look for exactly it.
  config_["linux"]["cgroupsPath"] = "/" + id;
  return id;
}

std::string RuntimeFixture::WriteBundle() {
  REQUIRE(WriteFile(bundle_ + "/config.json", json::Dump(config_, 2)).ok());
  return bundle_;
}

SpawnResult RuntimeFixture::Runtime(const std::vector<std::string>& args,
                                    const std::string& stdin_data) {
  SpawnOptions o;
  o.argv = {runtime_, "--root", root_, "--log", log_, "--log-format", "json"};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.cwd = bundle_;
  absl::StatusOr<SpawnResult> r = RunCommand(o, stdin_data, std::chrono::seconds(60), dir_.path());
  INFO("berth-runtime " << Join(args, " ") << ": " << r.status());
  REQUIRE(r.ok());
  return *r;
}

SpawnResult RuntimeFixture::Run(const std::string& id, const std::vector<std::string>& process_args) {
  config_["process"]["args"] = process_args;
  WriteBundle();
  return Runtime({"run", "--bundle", bundle_, id});
}

json::Json RuntimeFixture::RunProbe(const std::vector<std::string>& probe_args) {
  std::vector<std::string> args = {"/bin/berth-probe"};
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  SpawnResult r = Run(NewId(), args);
  INFO("stderr: " << r.err);
  REQUIRE(r.status.code == 0);
  absl::StatusOr<json::Json> j = json::Parse(r.out, "probe output");
  INFO("stdout: " << r.out);
  REQUIRE(j.ok());
  return *j;
}

json::Json RuntimeFixture::State(const std::string& id) {
  SpawnResult r = Runtime({"state", id});
  INFO("state stderr: " << r.err);
  REQUIRE(r.status.code == 0);
  absl::StatusOr<json::Json> j = json::Parse(r.out, "state");
  REQUIRE(j.ok());
  return *j;
}

bool RuntimeFixture::WaitForStatus(const std::string& id, const std::string& status) {
  for (int i = 0; i < 1000; ++i) {
    SpawnResult r = Runtime({"state", id});
    if (r.status.code == 0) {
      absl::StatusOr<json::Json> j = json::Parse(r.out, "state");
      if (j.ok() && (*j)["status"] == status) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string RuntimeFixture::CgroupDir(const std::string& controller, const std::string& id) const {
  if (controller.empty()) {
    if (PathExists("/sys/fs/cgroup/cgroup.controllers")) return "/sys/fs/cgroup/" + id;
    return "/sys/fs/cgroup/unified/" + id;
  }
  return "/sys/fs/cgroup/" + controller + "/" + id;
}

std::string RuntimeFixture::LastLoggedError() {
  absl::StatusOr<std::string> log = ReadFile(log_);
  if (!log.ok()) return "";
  std::string last;
  for (std::string_view line : Split(*log, '\n', true)) {
    absl::StatusOr<json::Json> j = json::Parse(line, "log");
    if (j.ok() && (*j)["level"] == "error") last = (*j)["msg"].get<std::string>();
  }
  return last;
}

void RuntimeFixture::CheckNoLeaks(const std::string& id) {
  INFO("container " << id << " left something behind");
  CHECK_FALSE(PathExists(root_ + "/" + id));
  for (const char* c : {"memory", "cpu", "cpuacct", "cpuset", "pids", "devices", "freezer", "blkio",
                        "systemd"}) {
    CHECK_FALSE(PathExists(CgroupDir(c, id)));
  }
  CHECK_FALSE(PathExists(CgroupDir("", id)));
  absl::StatusOr<std::string> mounts = ReadFile("/proc/self/mountinfo");
  REQUIRE(mounts.ok());
  CHECK(mounts->find(dir_.path()) == std::string::npos);
}

}  // namespace berth::testing

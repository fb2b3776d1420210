#include "tests/integration/shim/runtime_client_fixture.h"

#include <fmt/format.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

std::atomic<int> g_counter{0};

}  // namespace

std::string BerthRuntimePath() { return BinaryPath("berth-runtime"); }

std::string RuncPathOrSkip() {
  for (const char* path : {"/usr/sbin/runc", "/usr/bin/runc"}) {
    if (access(path, X_OK) == 0) return path;
  }
  Skip("runc is not installed (Debian package runc)");
}

std::string CrunPathOrSkip(bool needs_cgroups) {
  if (access("/usr/bin/crun", X_OK) != 0) Skip("crun is not installed (Debian package crun)");
  // crun refuses to create containers on a hybrid host whose cgroup2 has
  // controllers ("cgroups in hybrid mode not supported").
  std::string v2(TrimSpace(ReadFile("/sys/fs/cgroup/unified/cgroup.controllers").value_or("")));
  if (needs_cgroups && !v2.empty()) {
    Skip("crun does not support hybrid cgroups with controllers on cgroup2 (here: " + v2 + ")");
  }
  return "/usr/bin/crun";
}

RuntimeClientFixture::RuntimeClientFixture(std::string runtime, Waiting waiting)
    : runtime_(runtime.empty() ? BerthRuntimePath() : std::move(runtime)),
      waiting_(waiting),
      dir_("berth-shim") {
  RequireRoot();
  root_ = dir_.Sub("state");
  bundle_ = dir_.Sub("bundle");
  log_ = dir_.Sub("runtime.log");
  testimage::RootfsOptions rootfs;
  rootfs.extra_files.push_back({BinaryPath("berth-probe"), "bin/berth-probe", 0755});
  REQUIRE(testimage::CreateRootfs(bundle_ + "/rootfs", rootfs).ok());
  config_ = testimage::DefaultRuntimeConfig(testimage::ConfigOptions());
  // As the shim: detached containers are reparented to us.
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);

  shim::RuntimeClient::Options options;
  options.runtime.binary = runtime_;
  options.runtime.root = root_;
  options.runtime.log = log_;
  options.temp_dir = dir_.path();
  shim::ProcessWaiter* waiter = nullptr;
  if (waiting_ == Waiting::kReaper) {
    StartReaping();
    waiter = reaper_waiter_.get();
  }
  client_ = std::make_unique<shim::RuntimeClient>(options, waiter);
}

RuntimeClientFixture::~RuntimeClientFixture() {
  // Cleanup must reap what delete --force kills (a zombie init keeps its v1
  // cgroups busy), so it always runs under a reaping thread.
  if (!reaper_) StartReaping();
  shim::RuntimeClient cleanup(client_->options(), reaper_waiter_.get());
  for (const std::string& id : ids_) {
    absl::Status deleted = cleanup.Delete(id, /*force=*/true);
    (void)deleted;  // most tests deleted it already
  }
  StopReaping();
  for (const std::string& id : ids_) CheckNoLeaks(id);
}

void RuntimeClientFixture::StartReaping() {
  reaper_ = std::make_unique<shim::Reaper>([this](pid_t pid, const ExitStatus& status) {
    std::lock_guard<std::mutex> lock(mu_);
    exited_[pid] = status;
    exited_cv_.notify_all();
  });
  reaper_waiter_ = std::make_unique<shim::ReaperWaiter>(reaper_.get());
  stop_ = false;
  reap_thread_ = std::thread([this] {
    while (!stop_) {
      reaper_->Reap();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    reaper_->Reap();
  });
}

void RuntimeClientFixture::StopReaping() {
  stop_ = true;
  if (reap_thread_.joinable()) reap_thread_.join();
}

std::string RuntimeClientFixture::NewId() {
  std::string id = fmt::format("berth-rtc-test-{}-{}", getpid(), g_counter++);
  ids_.push_back(id);
  config_["linux"]["cgroupsPath"] = "/" + id;
  return id;
}

std::string RuntimeClientFixture::WriteBundle() {
  REQUIRE(WriteFile(bundle_ + "/config.json", json::Dump(config_, 2)).ok());
  return bundle_;
}

absl::StatusOr<ExitStatus> RuntimeClientFixture::WaitForContainerExit(
    pid_t pid, std::chrono::milliseconds timeout) {
  if (waiting_ == Waiting::kWaitpid) {
    shim::WaitpidWaiter waiter;
    return waiter.Wait(pid, std::chrono::steady_clock::now() + timeout);
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!exited_cv_.wait_for(lock, timeout, [&] { return exited_.count(pid) > 0; })) {
    return absl::DeadlineExceededError(fmt::format("pid {} did not exit", pid));
  }
  return exited_[pid];
}

std::string RuntimeClientFixture::CgroupDir(const std::string& controller,
                                            const std::string& id) const {
  if (controller.empty()) {
    if (PathExists("/sys/fs/cgroup/cgroup.controllers")) return "/sys/fs/cgroup/" + id;
    return "/sys/fs/cgroup/unified/" + id;
  }
  return "/sys/fs/cgroup/" + controller + "/" + id;
}

void RuntimeClientFixture::CheckNoLeaks(const std::string& id) {
  INFO("container " << id << " left something behind");
  CHECK_FALSE(PathExists(root_ + "/" + id));
  for (const char* c :
       {"memory", "cpu", "cpuacct", "cpuset", "pids", "devices", "freezer", "blkio", "systemd"}) {
    CHECK_FALSE(PathExists(CgroupDir(c, id)));
  }
  CHECK_FALSE(PathExists(CgroupDir("", id)));
  absl::StatusOr<std::string> mounts = ReadFile("/proc/self/mountinfo");
  REQUIRE(mounts.ok());
  CHECK(mounts->find(dir_.path()) == std::string::npos);
}

}  // namespace berth::testing

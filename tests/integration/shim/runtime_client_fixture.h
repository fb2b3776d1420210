// What RuntimeClient integration tests need: a busybox bundle with the probe,
// a private runtime state root and log, a RuntimeClient for berth-runtime or
// runc, and at the end a check that no container state, cgroup or mount was
// left behind (as tests/integration/runtime's fixture does).
//
// Like the shim, the test process is a child subreaper, so containers come
// back to it. Two ways to wait, as the shim may:
//   kReaper:  a thread plays the shim's SIGCHLD loop (Reaper::Reap); the
//             client waits through a ReaperWaiter, container exits arrive
//             at the unknown-exit callback (WaitForContainerExit).
//   kWaitpid: no reaping thread; the client uses its default WaitpidWaiter,
//             and tests wait for container processes with one too.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "shim/runtime/reaper.h"
#include "shim/runtime/runtime_client.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testing {

enum class Waiting { kReaper, kWaitpid };

class RuntimeClientFixture {
 public:
  // `runtime`: a binary path; "" = our berth-runtime.
  explicit RuntimeClientFixture(std::string runtime = "", Waiting waiting = Waiting::kReaper);
  ~RuntimeClientFixture();

  // A fresh container id with its own top-level cgroup.
  std::string NewId();
  json::Json& config() { return config_; }
  std::string WriteBundle();
  const std::string& bundle() const { return bundle_; }
  const std::string& root() const { return root_; }
  const TempDir& dir() const { return dir_; }
  shim::RuntimeClient& client() { return *client_; }

  // How a container process ended. kReaper: delivered by the reaping
  // thread; kWaitpid: waited for with a WaitpidWaiter.
  absl::StatusOr<ExitStatus> WaitForContainerExit(pid_t pid, std::chrono::milliseconds timeout);

  // A v1 controller's directory for `id`, or the cgroup2 one ("").
  std::string CgroupDir(const std::string& controller, const std::string& id) const;

 private:
  void StartReaping();
  void StopReaping();
  void CheckNoLeaks(const std::string& id);

  std::string runtime_;
  Waiting waiting_;
  TempDir dir_;
  std::string root_;
  std::string bundle_;
  std::string log_;
  json::Json config_;
  std::vector<std::string> ids_;

  std::unique_ptr<shim::Reaper> reaper_;
  std::unique_ptr<shim::ReaperWaiter> reaper_waiter_;
  std::unique_ptr<shim::RuntimeClient> client_;
  std::atomic<bool> stop_{false};
  std::thread reap_thread_;
  std::mutex mu_;
  std::condition_variable exited_cv_;
  std::map<pid_t, ExitStatus> exited_;  // container processes, kReaper
};

std::string BerthRuntimePath();
// Debian's runc (/usr/sbin/runc, /usr/bin/runc); skips the test without it.
std::string RuncPathOrSkip();
// Debian's crun (/usr/bin/crun); skips the test without it, or when the test
// creates containers on a host whose cgroup layout crun refuses.
std::string CrunPathOrSkip(bool needs_cgroups = true);

}  // namespace berth::testing

#include "shim/runtime/reaper.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "common/proc.h"
#include "common/strings.h"

namespace berth::shim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Deadline In(milliseconds d) { return std::chrono::steady_clock::now() + d; }

SpawnOptions Sh(const std::string& script) {
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", script};
  return o;
}

// Records what reaches the unknown-exit callback.
struct Unknown {
  std::mutex mu;
  std::map<pid_t, ExitStatus> exits;
  Reaper::ExitCallback Callback() {
    return [this](pid_t pid, const ExitStatus& s) {
      std::lock_guard<std::mutex> lock(mu);
      exits[pid] = s;
    };
  }
  bool Has(pid_t pid) {
    std::lock_guard<std::mutex> lock(mu);
    return exits.count(pid) > 0;
  }
};

// The shim's SIGCHLD loop, as a thread calling Reap() until stopped.
class ReapLoop {
 public:
  explicit ReapLoop(Reaper* reaper)
      : thread_([this, reaper] {
          while (!stop_) {
            reaper->Reap();
            std::this_thread::sleep_for(milliseconds(1));
          }
        }) {}
  ~ReapLoop() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return false;
}

TEST_CASE("registered exits go to Wait, the others to the callback", "[reaper]") {
  Unknown unknown;
  Reaper reaper(unknown.Callback());
  ReapLoop loop(&reaper);

  absl::StatusOr<pid_t> mine = reaper.Spawn(Sh("exit 7"));
  REQUIRE(mine.ok());
  // A child started behind the reaper's back stands for a container process.
  absl::StatusOr<ScopedPid> stray = Spawn(Sh("exit 3"));
  REQUIRE(stray.ok());
  pid_t stray_pid = stray->release();

  absl::StatusOr<ExitStatus> status = reaper.Wait(*mine, In(seconds(10)));
  REQUIRE(status.ok());
  CHECK(status->code == 7);
  REQUIRE(WaitUntil([&] { return unknown.Has(stray_pid); }));
  CHECK(unknown.exits[stray_pid].code == 3);
  CHECK_FALSE(unknown.Has(*mine));
  CHECK(reaper.pending() == 0);
}

TEST_CASE("a child that exits before it is registered still reaches its waiter", "[reaper]") {
  Unknown unknown;
  std::atomic<bool> was_zombie{false};
  // Spawn, then linger while the child exits; Reap() runs all along but
  // must not take the child before Spawn has registered it.
  Reaper reaper(unknown.Callback(), [&](const SpawnOptions& o) -> absl::StatusOr<pid_t> {
    absl::StatusOr<ScopedPid> child = Spawn(o);
    if (!child.ok()) return child.status();
    pid_t pid = child->release();
    WaitUntil([&] { return ProcessState(pid).value_or('?') == 'Z'; });
    std::this_thread::sleep_for(milliseconds(50));
    was_zombie = ProcessState(pid).value_or('?') == 'Z';
    return pid;
  });
  ReapLoop loop(&reaper);
  absl::StatusOr<pid_t> pid = reaper.Spawn(Sh("exit 5"));
  REQUIRE(pid.ok());
  CHECK(was_zombie);
  absl::StatusOr<ExitStatus> status = reaper.Wait(*pid, In(seconds(10)));
  REQUIRE(status.ok());
  CHECK(status->code == 5);
  CHECK_FALSE(unknown.Has(*pid));
}

TEST_CASE("an exit reaped elsewhere before registration is held for the waiter", "[reaper]") {
  Unknown unknown;
  std::atomic<pid_t> reaped_outside{0};
  std::atomic<bool> stop{false};
  Reaper reaper(unknown.Callback(), [&](const SpawnOptions& o) -> absl::StatusOr<pid_t> {
    absl::StatusOr<ScopedPid> child = Spawn(o);
    if (!child.ok()) return child.status();
    pid_t pid = child->release();
    // The outside loop reaps it now; its OnExit must wait for us.
    WaitUntil([&] { return reaped_outside.load() == pid; });
    std::this_thread::sleep_for(milliseconds(50));
    return pid;
  });
  // A program that reaps by itself and reports through OnExit.
  std::thread outside([&] {
    while (!stop) {
      int ws = 0;
      pid_t pid = waitpid(-1, &ws, WNOHANG);
      if (pid > 0) {
        reaped_outside = pid;
        reaper.OnExit(pid, ExitStatus::FromWaitStatus(ws));
      } else {
        std::this_thread::sleep_for(milliseconds(1));
      }
    }
  });
  absl::StatusOr<pid_t> pid = reaper.Spawn(Sh("exit 9"));
  absl::StatusOr<ExitStatus> status = pid.ok() ? reaper.Wait(*pid, In(seconds(10))) : pid.status();
  stop = true;
  outside.join();
  REQUIRE(status.ok());
  CHECK(reaped_outside.load() == *pid);
  CHECK(status->code == 9);
  CHECK_FALSE(unknown.Has(*pid));
}

TEST_CASE("OnExit routes by pid without any real process", "[reaper]") {
  Unknown unknown;
  pid_t next = 100000;
  Reaper reaper(unknown.Callback(),
                [&](const SpawnOptions&) -> absl::StatusOr<pid_t> { return next++; });
  pid_t a = reaper.Spawn({}).value();
  pid_t b = reaper.Spawn({}).value();
  CHECK(reaper.pending() == 2);
  std::thread deliver([&] {
    ExitStatus s;
    s.code = 1;
    reaper.OnExit(b, s);
    reaper.OnExit(4242, s);
    s.code = 2;
    reaper.OnExit(a, s);
  });
  CHECK(reaper.Wait(a, In(seconds(10))).value().code == 2);
  CHECK(reaper.Wait(b, In(seconds(10))).value().code == 1);
  deliver.join();
  CHECK(unknown.Has(4242));
  CHECK_FALSE(unknown.Has(a));
  CHECK(reaper.pending() == 0);
  // Waiting twice, or for a pid it never started, is a caller bug.
  CHECK(reaper.Wait(a, In(milliseconds(10))).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("at the deadline the child is killed and still reaped", "[reaper]") {
  Unknown unknown;
  Reaper reaper(unknown.Callback());
  ReapLoop loop(&reaper);
  absl::StatusOr<pid_t> pid = reaper.Spawn(Sh("sleep 100"));
  REQUIRE(pid.ok());
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ExitStatus> status = reaper.Wait(*pid, In(milliseconds(100)));
  CHECK(status.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(std::chrono::steady_clock::now() - start < seconds(5));
  CHECK(kill(*pid, 0) != 0);  // gone, not a zombie
  CHECK(reaper.pending() == 0);
  CHECK_FALSE(unknown.Has(*pid));
}

TEST_CASE("with nobody reaping, Wait gives up and the late exit is dropped", "[reaper]") {
  Unknown unknown;
  Reaper reaper(unknown.Callback());
  reaper.set_kill_grace(milliseconds(50));
  absl::StatusOr<pid_t> pid = reaper.Spawn(Sh("sleep 100"));
  REQUIRE(pid.ok());
  absl::StatusOr<ExitStatus> status = reaper.Wait(*pid, In(milliseconds(50)));
  REQUIRE(status.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(std::string(ToStd(status.status().message())).find("not delivered") != std::string::npos);
  REQUIRE(WaitUntil([&] { return ProcessState(*pid).value_or('?') == 'Z'; }));
  CHECK(reaper.Reap() == 1);
  CHECK(reaper.pending() == 0);
  CHECK_FALSE(unknown.Has(*pid));
}

TEST_CASE("ReaperWaiter is the reaper behind the ProcessWaiter interface", "[reaper]") {
  Unknown unknown;
  Reaper reaper(unknown.Callback());
  ReapLoop loop(&reaper);
  ReaperWaiter waiter(&reaper);
  ProcessWaiter& w = waiter;
  absl::StatusOr<pid_t> pid = w.Start(Sh("kill -TERM $$"));
  REQUIRE(pid.ok());
  absl::StatusOr<ExitStatus> status = w.Wait(*pid, In(seconds(10)));
  REQUIRE(status.ok());
  CHECK(status->signal == SIGTERM);
}

}  // namespace
}  // namespace berth::shim

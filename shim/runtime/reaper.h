// Routes the exits of a child subreaper's children.
//
// The shim reaps every child in one place (its SIGCHLD handler calls
// Reap()). Some of those children are runtime commands that a RuntimeClient
// call is waiting for; the rest are the container's init and exec'd
// processes (reparented to us) and strays. Reaper hands the first kind to
// the blocked Wait() and everything else to the unknown-exit callback:
//
//   Reaper reaper([&](pid_t pid, const ExitStatus& s) { tasks.OnExit(pid, s); });
//   ReaperWaiter waiter(&reaper);
//   RuntimeClient client(options, &waiter);   // gRPC threads call client.*
//   ... on SIGCHLD (signalfd in the epoll loop): reaper.Reap();
//
// The race that matters: a child can exit, and be reaped, before the code
// that spawned it has its pid. Spawn() therefore holds the lock across spawn
// and registration, and Reap() holds it across waitpid, so a registered
// child can never be reaped unregistered. Programs that must call waitpid
// themselves feed OnExit() instead; it also blocks on that lock, which
// covers the same race except for a pid that is reaped, recycled by a new
// Spawn and then delivered, all within one lock hand-over (a full pid-space
// wrap-around). Prefer Reap().
//
// Everything in this process that starts children must go through here once
// a Reaper is reaping: Reap() collects every child (waitpid(-1)), so a
// plain Spawn + ScopedPid::Wait elsewhere would lose its exit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"
#include "common/spawn.h"
#include "shim/runtime/process_waiter.h"

namespace berth::shim {

class Reaper {
 public:
  using ExitCallback = std::function<void(pid_t pid, const ExitStatus& status)>;
  // Starts a child; the default is berth::Spawn (released). A seam for tests.
  using SpawnFn = std::function<absl::StatusOr<pid_t>(const SpawnOptions& options)>;

  // `on_unknown_exit` runs (on the thread that reaped, without the lock
  // held) for every exit nobody registered for.
  explicit Reaper(ExitCallback on_unknown_exit, SpawnFn spawn = nullptr);
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Spawns a child and registers it for Wait(), atomically with respect to
  // Reap() and OnExit().
  absl::StatusOr<pid_t> Spawn(const SpawnOptions& options);

  // Waits for a child started with Spawn(). At `deadline` it is killed
  // (SIGKILL) and, once its exit has been delivered, DeadlineExceeded is
  // returned. If the exit is not delivered within a grace period after the
  // kill (nobody is reaping), Wait gives up, returns DeadlineExceeded and the
  // late exit is dropped.
  absl::StatusOr<ExitStatus> Wait(pid_t pid, Deadline deadline);

  // Reaps every child that has exited (waitpid(-1, WNOHANG) until none is
  // left) and routes each exit. Returns how many were reaped. Call it
  // whenever SIGCHLD arrives; extra calls are harmless.
  int Reap();

  // Routes one exit reaped by the caller (see the caveat above).
  void OnExit(pid_t pid, const ExitStatus& status);

  // Children registered whose exit has not been consumed yet, including
  // ones a timed-out Wait gave up on (for tests and leak checks).
  size_t pending() const;

  // How long Wait waits for a killed child's exit (default 10 s).
  void set_kill_grace(std::chrono::milliseconds grace) { kill_grace_ = grace; }

 private:
  struct Entry {
    std::optional<ExitStatus> status;
    bool abandoned = false;  // Wait gave up; drop the exit when it comes
  };

  // With mu_ held: true when `pid` was registered (the exit is consumed).
  bool DeliverLocked(pid_t pid, const ExitStatus& status);

  ExitCallback on_unknown_exit_;
  SpawnFn spawn_;
  std::chrono::milliseconds kill_grace_{10000};
  mutable std::mutex mu_;
  std::condition_variable exited_;
  std::map<pid_t, Entry> entries_;
};

// The ProcessWaiter a RuntimeClient in the shim uses.
class ReaperWaiter : public ProcessWaiter {
 public:
  explicit ReaperWaiter(Reaper* reaper) : reaper_(reaper) {}
  absl::StatusOr<pid_t> Start(const SpawnOptions& options) override {
    return reaper_->Spawn(options);
  }
  absl::StatusOr<ExitStatus> Wait(pid_t pid, Deadline deadline) override {
    return reaper_->Wait(pid, deadline);
  }

 private:
  Reaper* reaper_;
};

}  // namespace berth::shim

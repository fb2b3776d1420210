// How RuntimeClient starts a runtime process and learns how it ended.
//
// The shim is a child subreaper with one central SIGCHLD loop reaping every
// child, so nothing else may call waitpid: a second waiter would steal exits
// from the loop (or the loop from it). RuntimeClient therefore never waits by
// itself; it goes through a ProcessWaiter:
//   - WaitpidWaiter (here): spawn + waitpid on that one pid. For tests and for
//     programs that do not reap children anywhere else.
//   - ReaperWaiter (reaper.h): for the shim; the central loop delivers exits.
#pragma once

#include <sys/types.h>

#include <chrono>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"
#include "common/spawn.h"

namespace berth::shim {

using Deadline = std::chrono::steady_clock::time_point;

class ProcessWaiter {
 public:
  virtual ~ProcessWaiter() = default;

  // Starts a process whose exit this waiter will see. Spawning belongs here,
  // not to the caller, so that an implementation can register the pid before
  // the process can possibly be reaped (a child may exit, and be reaped by a
  // central loop, before a plain Spawn has even returned its pid).
  virtual absl::StatusOr<pid_t> Start(const SpawnOptions& options) = 0;

  // Waits until the process started by Start() ends, and returns how. At
  // `deadline` the process is killed with SIGKILL, its exit is still
  // collected (so no zombie stays behind) and the result is
  // DeadlineExceeded. Called exactly once per Start(); safe to call from any
  // thread, for different pids concurrently.
  virtual absl::StatusOr<ExitStatus> Wait(pid_t pid, Deadline deadline) = 0;
};

// Waits with waitpid on the given pid only (through a pidfd for the
// deadline). Correct only where nobody else reaps this process's children.
class WaitpidWaiter : public ProcessWaiter {
 public:
  absl::StatusOr<pid_t> Start(const SpawnOptions& options) override;
  absl::StatusOr<ExitStatus> Wait(pid_t pid, Deadline deadline) override;
};

}  // namespace berth::shim

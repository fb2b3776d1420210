// Owns a child process: unless released or waited for, the destructor kills it
// with SIGKILL and reaps it, so an error path never leaves a half-created child
// behind (crun's cleanup_pid).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"

namespace berth {

// How a process ended, decoded from a wait status.
struct ExitStatus {
  int code = 0;        // exit code, or 128 + signal as shells report it
  int signal = 0;      // terminating signal, 0 if it exited
  bool core_dumped = false;

  static ExitStatus FromWaitStatus(int wait_status);
  bool success() const { return signal == 0 && code == 0; }
};

class ScopedPid {
 public:
  ScopedPid() = default;
  explicit ScopedPid(pid_t pid) : pid_(pid) {}
  ScopedPid(ScopedPid&& other) noexcept : pid_(other.release()) {}
  ScopedPid& operator=(ScopedPid&& other) noexcept {
    Reset(other.release());
    return *this;
  }
  ScopedPid(const ScopedPid&) = delete;
  ScopedPid& operator=(const ScopedPid&) = delete;
  ~ScopedPid() { Reset(); }

  pid_t get() const { return pid_; }
  bool ok() const { return pid_ > 0; }

  // Waits for the process and gives up ownership; retries on EINTR.
  absl::StatusOr<ExitStatus> Wait();

  // Waits at most `timeout`; on timeout kills the process with SIGKILL,
  // reaps it and returns DeadlineExceeded.
  absl::StatusOr<ExitStatus> WaitFor(std::chrono::milliseconds timeout);

  // Gives up ownership; the caller reaps the process.
  [[nodiscard]] pid_t release() { return std::exchange(pid_, -1); }

  // Kills (SIGKILL) and reaps the owned process, then owns `pid`.
  void Reset(pid_t pid = -1);

 private:
  pid_t pid_ = -1;
};

}  // namespace berth

#include "shim/runtime/reaper.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include <utility>
#include <vector>

#include "common/status.h"

namespace berth::shim {

Reaper::Reaper(ExitCallback on_unknown_exit, SpawnFn spawn)
    : on_unknown_exit_(std::move(on_unknown_exit)), spawn_(std::move(spawn)) {
  if (!spawn_) {
    spawn_ = [](const SpawnOptions& options) -> absl::StatusOr<pid_t> {
      BERTH_ASSIGN_OR_RETURN(ScopedPid child, berth::Spawn(options));
      return child.release();
    };
  }
}

absl::StatusOr<pid_t> Reaper::Spawn(const SpawnOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(pid_t pid, spawn_(options));
  entries_[pid] = Entry{};
  return pid;
}

absl::StatusOr<ExitStatus> Reaper::Wait(pid_t pid, Deadline deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end() || it->second.abandoned) {
    return FailedPreconditionf("wait for pid {}: not started by this reaper", pid);
  }
  auto delivered = [&] { return entries_[pid].status.has_value(); };
  if (exited_.wait_until(lock, deadline, delivered)) {
    ExitStatus status = *entries_[pid].status;
    entries_.erase(pid);
    return status;
  }
  // Not yet delivered, so not yet reaped (Reap holds mu_): the pid is still
  // our child, never a recycled one, and safe to kill.
  ::kill(pid, SIGKILL);
  if (exited_.wait_for(lock, kill_grace_, delivered)) {
    entries_.erase(pid);
    return absl::DeadlineExceededError(fmt::format("process {} killed", pid));
  }
  entries_[pid].abandoned = true;
  return absl::DeadlineExceededError(
      fmt::format("process {} killed, but its exit was not delivered within {} ms (is anything "
                  "reaping?)",
                  pid, kill_grace_.count()));
}

bool Reaper::DeliverLocked(pid_t pid, const ExitStatus& status) {
  auto it = entries_.find(pid);
  if (it == entries_.end()) return false;
  if (it->second.abandoned) {
    entries_.erase(it);
  } else {
    it->second.status = status;
    exited_.notify_all();
  }
  return true;
}

int Reaper::Reap() {
  std::vector<std::pair<pid_t, ExitStatus>> unknown;
  int reaped = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (;;) {
      int wait_status = 0;
      pid_t pid = ::waitpid(-1, &wait_status, WNOHANG | __WALL);
      if (pid < 0 && errno == EINTR) continue;
      if (pid <= 0) break;  // none exited (0) or no children at all (ECHILD)
      ++reaped;
      ExitStatus status = ExitStatus::FromWaitStatus(wait_status);
      if (!DeliverLocked(pid, status)) unknown.emplace_back(pid, status);
    }
  }
  // Outside the lock: the callback may well start processes through us.
  if (on_unknown_exit_) {
    for (const auto& [pid, status] : unknown) on_unknown_exit_(pid, status);
  }
  return reaped;
}

void Reaper::OnExit(pid_t pid, const ExitStatus& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (DeliverLocked(pid, status)) return;
  }
  if (on_unknown_exit_) on_unknown_exit_(pid, status);
}

size_t Reaper::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace berth::shim

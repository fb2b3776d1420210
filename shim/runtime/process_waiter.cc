#include "shim/runtime/process_waiter.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::shim {
namespace {

int MillisUntil(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

// True once the process has exited, false when the deadline passed first.
// A pidfd lets us wait with a timeout without reaping anything.
absl::StatusOr<bool> AwaitExit(pid_t pid, Deadline deadline) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return ErrnoErrorf(errno, "pidfd_open {}", pid);
  for (;;) {
    struct pollfd pfd = {pidfd.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, MillisUntil(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return ErrnoErrorf(errno, "poll pidfd of {}", pid);
  }
}

}  // namespace

absl::StatusOr<pid_t> WaitpidWaiter::Start(const SpawnOptions& options) {
  BERTH_ASSIGN_OR_RETURN(ScopedPid child, Spawn(options));
  return child.release();
}

absl::StatusOr<ExitStatus> WaitpidWaiter::Wait(pid_t pid, Deadline deadline) {
  absl::StatusOr<bool> exited = AwaitExit(pid, deadline);
  // Whatever happened, the child is ours to reap: kill it unless it is done.
  if (!exited.ok() || !*exited) ::kill(pid, SIGKILL);
  int wait_status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &wait_status, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ErrnoErrorf(errno, "waitpid {}", pid);
  if (!exited.ok()) return exited.status();
  if (!*exited) return absl::DeadlineExceededError(fmt::format("process {} killed", pid));
  return ExitStatus::FromWaitStatus(wait_status);
}

}  // namespace berth::shim

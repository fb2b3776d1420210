#include "common/scoped_pid.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/status.h"
#include "common/unique_fd.h"

namespace berth {

ExitStatus ExitStatus::FromWaitStatus(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
    status.code = 128 + status.signal;
    status.core_dumped = WCOREDUMP(wait_status);
  }
  return status;
}

absl::StatusOr<ExitStatus> ScopedPid::Wait() {
  if (pid_ <= 0) return absl::FailedPreconditionError("wait: no process");
  int wait_status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &wait_status, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ErrnoErrorf(errno, "waitpid {}", pid_);
  pid_ = -1;
  return ExitStatus::FromWaitStatus(wait_status);
}

absl::StatusOr<ExitStatus> ScopedPid::WaitFor(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("wait: no process");
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  if (!pidfd) return ErrnoErrorf(errno, "pidfd_open {}", pid_);
  struct pollfd pfd = {pidfd.get(), POLLIN, 0};
  int r;
  do {
    r = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ErrnoErrorf(errno, "poll pidfd {}", pid_);
  if (r == 0) {
    pid_t pid = pid_;
    Reset();
    return absl::DeadlineExceededError(
        fmt::format("process {} did not exit within {} ms; killed", pid, timeout.count()));
  }
  return Wait();
}

void ScopedPid::Reset(pid_t pid) {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = pid;
}

}  // namespace berth

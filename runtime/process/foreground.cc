#include "runtime/process/foreground.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>

#include "common/scoped_pid.h"
#include "common/status.h"

namespace berth::runtime::process {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

sigset_t ForegroundSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  sigaddset(&set, SIGCHLD);
  return set;
}

// Puts our terminal in raw mode while the container owns the keyboard.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
    struct termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) == 0) active_ = true;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }

 private:
  int fd_;
  struct termios saved_ = {};
  bool active_ = false;
};

void CopyWindowSize(int from, int to) {
  struct winsize ws;
  if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

// Copies what is readable from `in` to `out`; false at EOF or error.
bool Relay(int in, int out) {
  char buf[8192];
  ssize_t n = ::read(in, buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  const char* p = buf;
  while (n > 0) {
    ssize_t w = ::write(out, p, static_cast<size_t>(n));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= w;
  }
  return true;
}

// Relays what the container wrote before it went. The pty hands data to
// the master side asynchronously, so wait a little for it; EIO means every
// writer is gone and all is read. A process left holding the terminal
// cannot keep us here: quiet for 100 ms ends it.
void DrainConsole(int master) {
  for (;;) {
    struct pollfd pfd = {master, POLLIN, 0};
    int r = ::poll(&pfd, 1, 100);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    if (!Relay(master, STDOUT_FILENO)) return;
  }
}

// Reaps every exited child; returns the status of `pid` if it was among them.
std::optional<ExitStatus> ReapChildren(pid_t pid) {
  std::optional<ExitStatus> result;
  for (;;) {
    int status;
    pid_t r = ::waitpid(-1, &status, WNOHANG);
    if (r <= 0) break;
    if (r == pid) result = ExitStatus::FromWaitStatus(status);
  }
  return result;
}

}  // namespace

void BlockForwardedSignals() {
  sigset_t set = ForegroundSignals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
}

absl::StatusOr<int> WaitInForeground(Foreground fg) {
  sigset_t set = ForegroundSignals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sfd) return ErrnoErrorf(errno, "signalfd");

  std::optional<RawTerminal> raw;
  bool relay_stdin = false;
  if (fg.console) {
    raw.emplace(STDIN_FILENO);
    CopyWindowSize(STDIN_FILENO, fg.console.get());
    relay_stdin = true;
  }
  if (std::optional<ExitStatus> done = ReapChildren(fg.pid)) {
    if (fg.console) DrainConsole(fg.console.get());
    return done->code;
  }

  for (;;) {
    struct pollfd fds[3];
    nfds_t n = 0;
    fds[n++] = {sfd.get(), POLLIN, 0};
    if (fg.console) fds[n++] = {fg.console.get(), POLLIN, 0};
    if (fg.console && relay_stdin) fds[n++] = {STDIN_FILENO, POLLIN, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "poll");
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == sfd.get()) {
        struct signalfd_siginfo info;
        if (::read(sfd.get(), &info, sizeof(info)) != sizeof(info)) continue;
        int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGCHLD) {
          if (std::optional<ExitStatus> done = ReapChildren(fg.pid)) {
            if (fg.console) DrainConsole(fg.console.get());
            return done->code;
          }
        } else if (sig == SIGWINCH && fg.console) {
          CopyWindowSize(STDIN_FILENO, fg.console.get());
        } else {
          ::kill(fg.pid, sig);
        }
      } else if (fg.console && fds[i].fd == fg.console.get()) {
        // EIO once the container's side of the pty is gone.
        if (!Relay(fg.console.get(), STDOUT_FILENO)) fg.console.reset();
      } else if (fds[i].fd == STDIN_FILENO) {
        if (!Relay(STDIN_FILENO, fg.console.get())) relay_stdin = false;
      }
    }
  }
}

}  // namespace berth::runtime::process

// Process control for lifecycle tests: sleep, exit codes, signals, stdio.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "tests/probe/json_out.h"
#include "tests/probe/probe.h"

namespace berth::probe {
int CmdSleep(const Args& args) {
  char* end = nullptr;
  double seconds = std::strtod(args[0].c_str(), &end);
  if (end == args[0].c_str() || *end != '\0' || !(seconds >= 0) || std::isinf(seconds)) {
    return UsageError("sleep: SECONDS must be a non-negative number, got " + args[0]);
  }
  struct timespec left;
  left.tv_sec = static_cast<time_t>(seconds);
  left.tv_nsec = static_cast<long>((seconds - static_cast<double>(left.tv_sec)) * 1e9);
  while (nanosleep(&left, &left) < 0 && errno == EINTR) {
  }
  return 0;
}

int CmdExit(const Args& args) {
  std::optional<int64_t> code = ParseInt(args[0]);
  if (!code || *code < 0 || *code > 255) return UsageError("exit: CODE must be 0..255");
  return static_cast<int>(*code);
}

int CmdKillSelf(const Args& args) {
  std::optional<int> sig = ParseSignal(args[0]);
  if (!sig) return UsageError("kill-self: unknown signal " + args[0]);
  signal(*sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, *sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  kill(getpid(), *sig);
  // Still here: the signal's default action is to ignore it, or this is the
  // init of a pid namespace, which the kernel shields from its own signals.
  return Failure("kill-self " + args[0] + ": still alive (pid " + std::to_string(getpid()) + ")");
}

int CmdEchoStdin(const Args&) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Failure(std::string("echo-stdin: read: ") + strerror(errno));
    if (n == 0) return 0;
    if (!WriteAll(STDOUT_FILENO, std::string_view(buf, static_cast<size_t>(n)))) {
      return Failure(std::string("echo-stdin: write: ") + strerror(errno));
    }
  }
}

int CmdStderr(const Args& args) {
  std::string line = args[0] + "\n";
  return WriteAll(STDERR_FILENO, line) ? 0 : 1;
}

}  // namespace berth::probe

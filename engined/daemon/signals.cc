#include "engined/daemon/signals.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/status.h"
#include "common/strings.h"

namespace berth::engined {

namespace {

constexpr std::pair<const char*, int> kSignals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM},     {"BUS", SIGBUS},       {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"FPE", SIGFPE},       {"HUP", SIGHUP},       {"ILL", SIGILL},
    {"INT", SIGINT},   {"IO", SIGIO},         {"IOT", SIGIOT},       {"KILL", SIGKILL},
    {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},     {"PROF", SIGPROF},     {"PWR", SIGPWR},
    {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT}, {"STOP", SIGSTOP},
    {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},     {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},       {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},
};

}  // namespace

absl::StatusOr<int> ParseSignal(const std::string& text) {
  if (std::optional<int64_t> n = ParseInt64(text); n.has_value()) {
    if (*n <= 0 || *n > SIGRTMAX) return InvalidArgumentf("Invalid signal: {}", text);
    return static_cast<int>(*n);
  }
  std::string name = text;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (const auto& [n, number] : kSignals) {
    if (name == n) return number;
  }
  // RTMIN+N / RTMAX-N
  if (name.rfind("RTMIN+", 0) == 0 || name.rfind("RTMAX-", 0) == 0) {
    std::optional<int64_t> k = ParseInt64(name.substr(6));
    if (k.has_value() && *k >= 0) {
      int v = name[2] == 'M' && name[3] == 'I' ? SIGRTMIN + static_cast<int>(*k)
                                               : SIGRTMAX - static_cast<int>(*k);
      if (v >= SIGRTMIN && v <= SIGRTMAX) return v;
    }
  }
  return InvalidArgumentf("Invalid signal: {}", text);
}

}  // namespace berth::engined

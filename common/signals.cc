#include "common/signals.h"

#include <signal.h>

#include <cctype>
#include <string_view>

#include "common/status.h"
#include "common/strings.h"

namespace berth {
namespace {

struct NamedSignal {
  std::string_view name;
  int number;
};

constexpr NamedSignal kSignals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},
    {"CLD", SIGCHLD},  {"CONT", SIGCONT}, {"FPE", SIGFPE},       {"HUP", SIGHUP},
    {"ILL", SIGILL},   {"INT", SIGINT},   {"IO", SIGIO},         {"IOT", SIGIOT},
    {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},     {"PROF", SIGPROF},
    {"PWR", SIGPWR},   {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

}  // namespace

std::string SignalName(int sig) {
  // The first name of each number is the common one (CHLD, not CLD).
  for (const NamedSignal& s : kSignals) {
    if (s.number == sig && s.name != "CLD" && s.name != "IOT" && s.name != "POLL") {
      return std::string(s.name);
    }
  }
  // moby names the lower half of the real-time signals from RTMIN up and
  // the upper half from RTMAX down.
  int middle = SIGRTMIN + (SIGRTMAX - SIGRTMIN) / 2;
  if (sig == SIGRTMIN) return "RTMIN";
  if (sig > SIGRTMIN && sig <= middle) return "RTMIN+" + std::to_string(sig - SIGRTMIN);
  if (sig > middle && sig < SIGRTMAX) return "RTMAX-" + std::to_string(SIGRTMAX - sig);
  if (sig == SIGRTMAX) return "RTMAX";
  return "";
}

absl::StatusOr<int> ParseSignal(const std::string& text) {
  if (std::optional<int64_t> n = ParseInt64(text)) {
    if (*n <= 0 || *n >= NSIG) return InvalidArgumentf("invalid signal number {}", text);
    return static_cast<int>(*n);
  }
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("SIG")) name.erase(0, 3);
  for (const NamedSignal& s : kSignals) {
    if (s.name == name) return s.number;
  }
  // Real-time signals: RTMIN, RTMIN+n, RTMAX-n.
  if (name.starts_with("RTMIN") || name.starts_with("RTMAX")) {
    bool min = name.starts_with("RTMIN");
    int base = min ? SIGRTMIN : SIGRTMAX;
    std::string_view rest = std::string_view(name).substr(5);
    int offset = 0;
    if (!rest.empty()) {
      if ((min && rest[0] != '+') || (!min && rest[0] != '-')) {
        return InvalidArgumentf("unknown signal {:?}", text);
      }
      std::optional<int64_t> o = ParseInt64(rest.substr(1));
      if (!o) return InvalidArgumentf("unknown signal {:?}", text);
      offset = static_cast<int>(min ? *o : -*o);
    }
    int sig = base + offset;
    if (sig < SIGRTMIN || sig > SIGRTMAX) return InvalidArgumentf("unknown signal {:?}", text);
    return sig;
  }
  return InvalidArgumentf("unknown signal {:?}", text);
}

}  // namespace berth

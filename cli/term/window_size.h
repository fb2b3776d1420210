// Terminal size, and a thread that turns signals into callbacks: SIGWINCH
// drives TTY resizes, and --sig-proxy forwards signals to the container.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::cli::term {

struct WindowSize {
  uint16_t rows = 0;
  uint16_t cols = 0;
};

// TIOCGWINSZ on `fd`; an error ("get window size of fd 1: Inappropriate
// ioctl for device") when it is not a terminal.
absl::StatusOr<WindowSize> GetWindowSize(int fd);

// The signals `--sig-proxy` forwards, as docker does (cli/command/container/
// signals.go: it catches every signal and skips SIGCHLD, SIGPIPE and SIGURG):
// 1..31 and SIGRTMIN..SIGRTMAX minus SIGCHLD, SIGPIPE, SIGURG, the
// uncatchable SIGKILL/SIGSTOP, and the fault signals SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGTRAP, SIGSYS (catching a real fault would loop forever in C++).
// SIGWINCH goes on as "WINCH" like the rest (docker 28 sends it too; with a
// tty the resize call follows it as well).
std::vector<int> ProxiedSignals();

// The signals the docker CLI, a Go program, ignores while it does not proxy
// (the Go runtime drops a signal nobody asked for unless its default is to
// end the program): SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO,
// SIGPWR, SIGXCPU, SIGXFSZ, SIGWINCH and the real-time signals. berth
// ignores them too while attached with --sig-proxy=false; SIGHUP, SIGQUIT
// and the rest keep their default action.
std::vector<int> SignalsIgnoredWithoutProxy();

// Calls `callback(signo)` on its own thread for each delivery of one of
// `signals` to the process. Installs a handler with sigaction that writes the
// signal number to a self-pipe (async-signal-safe); the handler stays until
// the last watcher of that signal goes away, then the handler that was there
// before is put back. Several watchers may watch the same signal; each gets
// every delivery. Deliveries that arrive while the pipe is full are dropped
// (signals coalesce anyway).
class SignalWatcher {
 public:
  using Callback = std::function<void(int signo)>;

  // InvalidArgument for a signal that cannot be caught (SIGKILL, 0, 65...).
  static absl::StatusOr<std::unique_ptr<SignalWatcher>> Start(std::vector<int> signals,
                                                              Callback callback);

  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  // Uninstalls (restoring previous handlers), stops and joins the thread.
  // Must not be called from the callback.
  ~SignalWatcher();

 private:
  explicit SignalWatcher(Callback callback) : callback_(std::move(callback)) {}
  void Run();
  void Unregister();

  Callback callback_;
  std::vector<int> registered_;  // signals whose slot holds signal_write_
  UniqueFd signal_read_, signal_write_;
  UniqueFd stop_read_, stop_write_;
  std::thread thread_;
};

}  // namespace berth::cli::term

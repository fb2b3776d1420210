#include "cli/term/window_size.h"

#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace berth::cli::term {
namespace {

// Signals the callbacks saw, for waiting on from the test thread.
class Seen {
 public:
  void Add(int signo) {
    std::lock_guard<std::mutex> lock(mu_);
    signals_.push_back(signo);
    cv_.notify_all();
  }
  // Waits until `signo` has been seen `count` times.
  bool WaitFor(int signo, size_t count = 1) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] {
      return static_cast<size_t>(std::count(signals_.begin(), signals_.end(), signo)) >= count;
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> signals_;
};

TEST_CASE("GetWindowSize reads a terminal's size", "[window_size]") {
  int master = -1, slave = -1;
  struct winsize ws {};
  ws.ws_row = 24;
  ws.ws_col = 80;
  REQUIRE(openpty(&master, &slave, nullptr, nullptr, &ws) == 0);
  UniqueFd m(master), s(slave);
  auto size = GetWindowSize(s.get());
  REQUIRE(size.ok());
  CHECK(size->rows == 24);
  CHECK(size->cols == 80);

  ws.ws_row = 50;
  ws.ws_col = 132;
  REQUIRE(ioctl(m.get(), TIOCSWINSZ, &ws) == 0);
  size = GetWindowSize(s.get());
  REQUIRE(size.ok());
  CHECK(size->rows == 50);
  CHECK(size->cols == 132);
}

TEST_CASE("GetWindowSize fails on a pipe", "[window_size]") {
  int p[2];
  REQUIRE(pipe(p) == 0);
  UniqueFd r(p[0]), w(p[1]);
  auto size = GetWindowSize(r.get());
  REQUIRE_FALSE(size.ok());
  CHECK(std::string(size.status().message()).find("get window size of fd") == 0);
}

TEST_CASE("ProxiedSignals follows docker's sig-proxy", "[window_size]") {
  std::vector<int> sigs = ProxiedSignals();
  auto has = [&](int s) { return std::find(sigs.begin(), sigs.end(), s) != sigs.end(); };
  for (int s :
       {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGTSTP, SIGCONT, SIGALRM, SIGABRT}) {
    CHECK(has(s));
  }
  CHECK(has(SIGWINCH));  // docker 28 forwards it as WINCH
  CHECK(has(SIGRTMIN));
  CHECK(has(SIGRTMAX));
  for (int s : {SIGCHLD, SIGPIPE, SIGURG, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    CHECK_FALSE(has(s));
  }
  CHECK_FALSE(has(32));
  CHECK_FALSE(has(33));
}

TEST_CASE("Without a proxy the signals a Go CLI ignores are ignored", "[window_size]") {
  std::vector<int> sigs = SignalsIgnoredWithoutProxy();
  auto has = [&](int s) { return std::find(sigs.begin(), sigs.end(), s) != sigs.end(); };
  for (int s : {SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGRTMIN, SIGRTMAX}) CHECK(has(s));
  // These end (or stop) the docker CLI too, and the third INT/TERM ends it.
  for (int s : {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGTSTP, SIGKILL}) CHECK_FALSE(has(s));
}

TEST_CASE("SignalWatcher calls back for each watched signal", "[signal_watcher]") {
  Seen seen;
  auto watcher = SignalWatcher::Start({SIGUSR1, SIGWINCH}, [&](int s) { seen.Add(s); });
  REQUIRE(watcher.ok());
  REQUIRE(kill(getpid(), SIGWINCH) == 0);
  CHECK(seen.WaitFor(SIGWINCH));
  REQUIRE(kill(getpid(), SIGUSR1) == 0);
  CHECK(seen.WaitFor(SIGUSR1));
  REQUIRE(kill(getpid(), SIGUSR1) == 0);
  CHECK(seen.WaitFor(SIGUSR1, 2));
}

std::atomic<int> g_previous_handler_calls{0};
void PreviousHandler(int) { g_previous_handler_calls.fetch_add(1); }

TEST_CASE("SignalWatcher puts the previous handler back", "[signal_watcher]") {
  struct sigaction previous {
  }, original{};
  previous.sa_handler = PreviousHandler;
  sigemptyset(&previous.sa_mask);
  REQUIRE(sigaction(SIGUSR2, &previous, &original) == 0);
  g_previous_handler_calls = 0;
  {
    Seen seen;
    auto watcher = SignalWatcher::Start({SIGUSR2}, [&](int s) { seen.Add(s); });
    REQUIRE(watcher.ok());
    REQUIRE(kill(getpid(), SIGUSR2) == 0);
    CHECK(seen.WaitFor(SIGUSR2));
    CHECK(g_previous_handler_calls == 0);
  }
  struct sigaction now {};
  REQUIRE(sigaction(SIGUSR2, nullptr, &now) == 0);
  CHECK(now.sa_handler == PreviousHandler);
  REQUIRE(raise(SIGUSR2) == 0);  // delivered to this thread before raise returns
  CHECK(g_previous_handler_calls == 1);
  REQUIRE(sigaction(SIGUSR2, &original, nullptr) == 0);
}

TEST_CASE("Two SignalWatchers on one signal both see it", "[signal_watcher]") {
  struct sigaction original {};
  REQUIRE(sigaction(SIGUSR1, nullptr, &original) == 0);
  Seen first, second;
  auto a = SignalWatcher::Start({SIGUSR1}, [&](int s) { first.Add(s); });
  REQUIRE(a.ok());
  {
    auto b = SignalWatcher::Start({SIGUSR1}, [&](int s) { second.Add(s); });
    REQUIRE(b.ok());
    REQUIRE(kill(getpid(), SIGUSR1) == 0);
    CHECK(first.WaitFor(SIGUSR1));
    CHECK(second.WaitFor(SIGUSR1));
  }
  // The first watcher keeps its handler after the second goes.
  REQUIRE(kill(getpid(), SIGUSR1) == 0);
  CHECK(first.WaitFor(SIGUSR1, 2));
  a->reset();
  struct sigaction now {};
  REQUIRE(sigaction(SIGUSR1, nullptr, &now) == 0);
  CHECK(now.sa_handler == original.sa_handler);
}

TEST_CASE("SignalWatcher rejects signals that cannot be caught", "[signal_watcher]") {
  struct sigaction original {};
  REQUIRE(sigaction(SIGUSR1, nullptr, &original) == 0);
  auto watcher = SignalWatcher::Start({SIGUSR1, SIGKILL}, [](int) {});
  REQUIRE_FALSE(watcher.ok());
  CHECK(watcher.status().code() == absl::StatusCode::kInvalidArgument);
  // The signals registered before the failure are rolled back.
  struct sigaction now {};
  REQUIRE(sigaction(SIGUSR1, nullptr, &now) == 0);
  CHECK(now.sa_handler == original.sa_handler);
  CHECK_FALSE(SignalWatcher::Start({0}, [](int) {}).ok());
  CHECK_FALSE(SignalWatcher::Start({NSIG}, [](int) {}).ok());
}

}  // namespace
}  // namespace berth::cli::term

#include "cli/term/window_size.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <utility>

#include "common/status.h"

namespace berth::cli::term {
namespace {

// Up to this many watchers may watch one signal at a time.
constexpr int kSlotsPerSignal = 4;

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

// Per signal, the write ends of the watchers' pipes, stored as fd + 1 so
// that the zero-initialized table means "none". Read by the handler.
std::array<std::array<std::atomic<int>, kSlotsPerSignal>, NSIG> g_slots;
// Handlers running right now: a watcher waits for 0 after clearing its
// slots, so no handler can still write to a pipe it is about to close.
std::atomic<int> g_in_flight{0};

// Installation state, only touched outside signal handlers.
std::mutex g_mu;
std::array<int, NSIG> g_refs{};                // watchers per signal
std::array<struct sigaction, NSIG> g_saved{};  // action before the first

void OnSignal(int signo) {
  g_in_flight.fetch_add(1);
  int saved_errno = errno;
  if (signo > 0 && signo < NSIG) {
    unsigned char byte = static_cast<unsigned char>(signo);
    for (std::atomic<int>& slot : g_slots[static_cast<size_t>(signo)]) {
      int fd = slot.load() - 1;
      if (fd >= 0) {
        [[maybe_unused]] ssize_t n = write(fd, &byte, 1);  // full pipe: dropped
      }
    }
  }
  errno = saved_errno;
  g_in_flight.fetch_sub(1);
}

absl::Status AddSlot(int signo, int fd) {
  if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
    return InvalidArgumentf("watch signal {}: cannot be caught", signo);
  }
  std::lock_guard<std::mutex> lock(g_mu);
  auto& slots = g_slots[static_cast<size_t>(signo)];
  std::atomic<int>* free_slot = nullptr;
  for (std::atomic<int>& slot : slots) {
    if (slot.load() == 0) {
      free_slot = &slot;
      break;
    }
  }
  if (free_slot == nullptr) {
    return Errorf(absl::StatusCode::kResourceExhausted, "watch signal {}: more than {} watchers",
                  signo, kSlotsPerSignal);
  }
  free_slot->store(fd + 1);
  if (g_refs[static_cast<size_t>(signo)] == 0) {
    struct sigaction action {};
    action.sa_handler = OnSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(signo, &action, &g_saved[static_cast<size_t>(signo)]) != 0) {
      int err = errno;
      free_slot->store(0);
      return ErrnoErrorf(err, "install handler for signal {}", signo);
    }
  }
  ++g_refs[static_cast<size_t>(signo)];
  return absl::OkStatus();
}

void RemoveSlot(int signo, int fd) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (std::atomic<int>& slot : g_slots[static_cast<size_t>(signo)]) {
    if (slot.load() == fd + 1) {
      slot.store(0);
      break;
    }
  }
  if (--g_refs[static_cast<size_t>(signo)] == 0) {
    sigaction(signo, &g_saved[static_cast<size_t>(signo)], nullptr);
  }
}

absl::Status MakePipe(UniqueFd& read_end, UniqueFd& write_end, int flags) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | flags) != 0) return ErrnoErrorf(errno, "pipe2");
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WindowSize> GetWindowSize(int fd) {
  struct winsize ws {};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) {
    return ErrnoErrorf(errno, "get window size of fd {}", fd);
  }
  return WindowSize{ws.ws_row, ws.ws_col};
}

std::vector<int> ProxiedSignals() {
  std::vector<int> out;
  for (int signo = 1; signo < 32; ++signo) {
    switch (signo) {
      case SIGKILL:
      case SIGSTOP:
      case SIGCHLD:
      case SIGPIPE:
      case SIGURG:
      case SIGSEGV:
      case SIGBUS:
      case SIGFPE:
      case SIGILL:
      case SIGTRAP:
      case SIGSYS:
        continue;
      default:
        out.push_back(signo);
    }
  }
  // 32 and 33 are glibc's own (thread cancellation, setxid): SIGRTMIN is
  // past them.
  for (int signo = SIGRTMIN; signo <= SIGRTMAX; ++signo) out.push_back(signo);
  return out;
}

std::vector<int> SignalsIgnoredWithoutProxy() {
  std::vector<int> out = {SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
                          SIGIO,   SIGPWR,  SIGXCPU, SIGXFSZ,   SIGWINCH};
  for (int signo = SIGRTMIN; signo <= SIGRTMAX; ++signo) out.push_back(signo);
  return out;
}

absl::StatusOr<std::unique_ptr<SignalWatcher>> SignalWatcher::Start(std::vector<int> signals,
                                                                    Callback callback) {
  std::unique_ptr<SignalWatcher> watcher(new SignalWatcher(std::move(callback)));
  // Non-blocking both ways: the handler must never block, the thread drains.
  BERTH_RETURN_IF_ERROR(MakePipe(watcher->signal_read_, watcher->signal_write_, O_NONBLOCK));
  BERTH_RETURN_IF_ERROR(MakePipe(watcher->stop_read_, watcher->stop_write_, 0));
  for (int signo : signals) {
    absl::Status status = AddSlot(signo, watcher->signal_write_.get());
    if (!status.ok()) return status;  // the destructor unregisters the rest
    watcher->registered_.push_back(signo);
  }
  watcher->thread_ = std::thread([w = watcher.get()] { w->Run(); });
  return watcher;
}

SignalWatcher::~SignalWatcher() {
  Unregister();
  if (thread_.joinable()) {
    char byte = 0;
    [[maybe_unused]] ssize_t n = write(stop_write_.get(), &byte, 1);
    thread_.join();
  }
}

void SignalWatcher::Unregister() {
  for (int signo : registered_) RemoveSlot(signo, signal_write_.get());
  registered_.clear();
  // A handler that read our fd before the slot was cleared may still be
  // writing to it; wait for it before the pipe is closed.
  while (g_in_flight.load() != 0) std::this_thread::yield();
}

void SignalWatcher::Run() {
  std::array<pollfd, 2> fds{{{signal_read_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}}};
  while (true) {
    int n = poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // cannot happen with valid fds; nothing to report to
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) {
      unsigned char buf[64];
      ssize_t got = read(signal_read_.get(), buf, sizeof(buf));
      for (ssize_t i = 0; i < got; ++i) callback_(buf[i]);
    }
  }
}

}  // namespace berth::cli::term

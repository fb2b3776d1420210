#include "shim/io/io_hub.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"

namespace berth::shim::io {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

}  // namespace

struct IoHub::Output {
  Stream stream;
  UniqueFd fd;
  uint64_t token = 0;
};

struct IoHub::Process {
  std::string key;
  bool terminal = false;
  bool connected = false;  // ConnectStdio ran
  std::unique_ptr<logs::LogWriter> log;
  std::vector<Output> outputs;
  // A sink and which streams it wants.
  std::map<OutputSink*, std::pair<bool, bool>> sinks;
  UniqueFd stdin_fd;
  uint64_t stdin_token = 0;
  bool stdin_polling = false;
  bool close_stdin_when_flushed = false;
  std::deque<std::pair<std::string, std::function<void(absl::Status)>>> stdin_queue;
  size_t stdin_offset = 0;  // into the front of stdin_queue
  // The pty master, kept for resizes while the other fds come and go.
  UniqueFd console;

  bool Drained() const {
    return connected &&
           std::all_of(outputs.begin(), outputs.end(), [](const Output& o) { return !o.fd; });
  }
};

struct IoHub::DrainWait {
  std::string key;
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> done;
};

absl::StatusOr<std::unique_ptr<IoHub>> IoHub::Create() {
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return ErrnoErrorf(errno, "epoll_create1");
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return ErrnoErrorf(errno, "eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;  // token 0: the wake fd
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &ev) < 0) {
    return ErrnoErrorf(errno, "epoll_ctl add eventfd");
  }
  return std::unique_ptr<IoHub>(new IoHub(std::move(epoll), std::move(wake)));
}

IoHub::IoHub(UniqueFd epoll, UniqueFd wake) : epoll_(std::move(epoll)), wake_(std::move(wake)) {}

IoHub::~IoHub() { Stop(); }

void IoHub::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void IoHub::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
}

void IoHub::Wake() {
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof(one));
}

absl::Status IoHub::AddProcess(const std::string& key, std::unique_ptr<logs::LogWriter> log) {
  auto process = std::make_unique<Process>();
  process->key = key;
  process->log = std::move(log);
  std::lock_guard lock(mu_);
  if (processes_.count(key)) return AlreadyExistsf("process {}: stdio already set up", key);
  processes_[key] = std::move(process);
  return absl::OkStatus();
}

absl::Status IoHub::ConnectStdio(const std::string& key, ProcessStdio stdio) {
  std::vector<std::function<void()>> after;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(key);
    if (it == processes_.end()) return NotFoundf("process {}: not added", key);
    Process& process = *it->second;
    if (process.connected) return AlreadyExistsf("process {}: stdio already connected", key);
    process.terminal = stdio.terminal;
    if (stdio.terminal && stdio.stdout_fd) {
      process.console.reset(::fcntl(stdio.stdout_fd.get(), F_DUPFD_CLOEXEC, 0));
      if (!process.console) return ErrnoErrorf(errno, "dup terminal of {}", key);
    }
    auto add_output = [&](Stream stream, UniqueFd fd) -> absl::Status {
      if (!fd) return absl::OkStatus();
      BERTH_RETURN_IF_ERROR(SetNonBlocking(fd.get()));
      uint64_t token = next_token_++;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = token;
      if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev) < 0) {
        return ErrnoErrorf(errno, "epoll_ctl add output of {}", key);
      }
      // A null handler marks a stdio fd: Loop finds its process by token.
      handlers_[token] = nullptr;
      process.outputs.push_back(Output{stream, std::move(fd), token});
      return absl::OkStatus();
    };
    BERTH_RETURN_IF_ERROR(add_output(Stream::kStdout, std::move(stdio.stdout_fd)));
    BERTH_RETURN_IF_ERROR(add_output(Stream::kStderr, std::move(stdio.stderr_fd)));
    if (stdio.stdin_fd) {
      BERTH_RETURN_IF_ERROR(SetNonBlocking(stdio.stdin_fd.get()));
      process.stdin_fd = std::move(stdio.stdin_fd);
      process.stdin_token = next_token_++;
    }
    process.connected = true;
    if (!process.stdin_fd) {
      for (auto& [data, done] : process.stdin_queue) {
        if (done) after.push_back([done] { done(FailedPreconditionf("process has no stdin")); });
      }
      process.stdin_queue.clear();
    }
    FlushStdin(process, after);
    CheckDrained(key, process, after);
  }
  for (auto& f : after) f();
  return absl::OkStatus();
}

void IoHub::RemoveProcess(const std::string& key) {
  std::vector<std::function<void()>> after;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(key);
    if (it == processes_.end()) return;
    Process& process = *it->second;
    for (Output& output : process.outputs) {
      if (output.fd) CloseOutput(process, output, after);
    }
    // Attachers of a process that never got its stdio (a failed start)
    // would otherwise wait for ever.
    for (auto& [sink, wants] : process.sinks) sink->OnOutputClosed();
    process.sinks.clear();
    for (auto& [data, done] : process.stdin_queue) {
      if (done) after.push_back([done] { done(absl::CancelledError("process stdio closed")); });
    }
    if (process.stdin_fd) handlers_.erase(process.stdin_token);
    processes_.erase(it);
  }
  for (auto& f : after) f();
}

absl::Status IoHub::Attach(const std::string& key, OutputSink* sink, bool want_stdout,
                           bool want_stderr) {
  bool closed = false;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(key);
    if (it == processes_.end()) return NotFoundf("process {}: no stdio to attach to", key);
    if (it->second->Drained()) {
      closed = true;
    } else {
      it->second->sinks[sink] = {want_stdout, want_stderr};
    }
  }
  if (closed) sink->OnOutputClosed();
  return absl::OkStatus();
}

void IoHub::Detach(const std::string& key, OutputSink* sink) {
  std::lock_guard lock(mu_);
  auto it = processes_.find(key);
  if (it != processes_.end()) it->second->sinks.erase(sink);
}

void IoHub::WriteStdin(const std::string& key, std::string data,
                       std::function<void(absl::Status)> done) {
  std::vector<std::function<void()>> after;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(key);
    absl::Status refused;
    if (it == processes_.end()) {
      refused = NotFoundf("process {}: no stdio", key);
    } else if ((it->second->connected && !it->second->stdin_fd) ||
               it->second->close_stdin_when_flushed) {
      refused = FailedPreconditionf("process {}: stdin is closed or was not opened", key);
    }
    if (!refused.ok()) {
      after.push_back([done, refused] { done(refused); });
    } else {
      it->second->stdin_queue.emplace_back(std::move(data), std::move(done));
      FlushStdin(*it->second, after);
    }
  }
  for (auto& f : after) f();
}

absl::Status IoHub::CloseStdin(const std::string& key) {
  std::vector<std::function<void()>> after;
  {
    std::lock_guard lock(mu_);
    auto it = processes_.find(key);
    if (it == processes_.end()) return NotFoundf("process {}: no stdio", key);
    Process& process = *it->second;
    process.close_stdin_when_flushed = true;
    FlushStdin(process, after);
  }
  for (auto& f : after) f();
  return absl::OkStatus();
}

void IoHub::FlushStdin(Process& process, std::vector<std::function<void()>>& after) {
  if (!process.stdin_fd) return;
  absl::Status failure;
  while (!process.stdin_queue.empty()) {
    auto& [data, done] = process.stdin_queue.front();
    while (process.stdin_offset < data.size()) {
      ssize_t n = ::write(process.stdin_fd.get(), data.data() + process.stdin_offset,
                          data.size() - process.stdin_offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        if (!process.stdin_polling) {
          epoll_event ev{};
          ev.events = EPOLLOUT;
          ev.data.u64 = process.stdin_token;
          handlers_[process.stdin_token] = nullptr;
          if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, process.stdin_fd.get(), &ev) == 0) {
            process.stdin_polling = true;
          }
        }
        return;
      }
      if (n < 0) {
        failure = ErrnoErrorf(errno, "write stdin of process {}", process.key);
        break;
      }
      process.stdin_offset += static_cast<size_t>(n);
    }
    if (!failure.ok()) break;
    if (done) after.push_back([done = std::move(done)] { done(absl::OkStatus()); });
    process.stdin_queue.pop_front();
    process.stdin_offset = 0;
  }
  if (!failure.ok()) {
    // The reader is gone (EPIPE): nothing queued will ever be written.
    for (auto& [data, done] : process.stdin_queue) {
      if (done) after.push_back([done = std::move(done), failure] { done(failure); });
    }
    process.stdin_queue.clear();
    process.stdin_offset = 0;
    process.close_stdin_when_flushed = true;
  }
  if (process.stdin_polling) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, process.stdin_fd.get(), nullptr);
    process.stdin_polling = false;
  }
  if (process.close_stdin_when_flushed) {
    handlers_.erase(process.stdin_token);
    // A terminal's master is also its output: only the stdin duplicate goes.
    process.stdin_fd.reset();
  }
}

absl::Status IoHub::ResizeConsole(const std::string& key, unsigned width, unsigned height) {
  std::lock_guard lock(mu_);
  auto it = processes_.find(key);
  if (it == processes_.end()) return NotFoundf("process {}: no stdio", key);
  if (!it->second->console) return FailedPreconditionf("process {}: has no terminal", key);
  winsize size{};
  size.ws_col = static_cast<unsigned short>(width);
  size.ws_row = static_cast<unsigned short>(height);
  if (::ioctl(it->second->console.get(), TIOCSWINSZ, &size) < 0) {
    return ErrnoErrorf(errno, "resize terminal of process {}", key);
  }
  return absl::OkStatus();
}

void IoHub::WhenDrained(const std::string& key, std::chrono::milliseconds grace,
                        std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    drain_waits_.push_back(
        DrainWait{key, std::chrono::steady_clock::now() + grace, std::move(done)});
  }
  // The loop checks (and runs) it: `done` always runs on the hub thread.
  Wake();
}

absl::Status IoHub::Watch(int fd, std::function<void()> on_readable) {
  std::lock_guard lock(mu_);
  uint64_t token = next_token_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
    return ErrnoErrorf(errno, "epoll_ctl add fd {}", fd);
  }
  handlers_[token] = [on_readable = std::move(on_readable)](uint32_t) { on_readable(); };
  watched_[fd] = token;
  return absl::OkStatus();
}

void IoHub::Unwatch(int fd) {
  std::lock_guard lock(mu_);
  auto it = watched_.find(fd);
  if (it == watched_.end()) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(it->second);
  watched_.erase(it);
}

void IoHub::ReadOutput(Process& process, Output& output,
                       std::vector<std::function<void()>>& after) {
  // Not zero-filled: only the pages a read fills are ever touched.
  static thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  // A few reads per wakeup, so one chatty process cannot starve the rest.
  for (int round = 0; round < 4; ++round) {
    ssize_t n = ::read(output.fd.get(), buffer.get(), kReadChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      // EOF, or EIO from a pty master whose last slave closed.
      CloseOutput(process, output, after);
      return;
    }
    std::string_view data(buffer.get(), static_cast<size_t>(n));
    if (process.log) {
      absl::Status written =
          process.log->Write(output.stream, data, std::chrono::system_clock::now());
      if (!written.ok()) log::Warnf("log of process {}: {}", process.key, written.ToString());
    }
    for (auto& [sink, wants] : process.sinks) {
      bool wanted = output.stream == Stream::kStdout ? wants.first : wants.second;
      if (wanted) sink->OnOutput(output.stream, data);
    }
    if (static_cast<size_t>(n) < kReadChunk) return;
  }
}

void IoHub::CloseOutput(Process& process, Output& output,
                        std::vector<std::function<void()>>& after) {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, output.fd.get(), nullptr);
  handlers_.erase(output.token);
  output.fd.reset();
  if (process.log) {
    absl::Status flushed =
        process.log->CloseStream(output.stream, std::chrono::system_clock::now());
    if (!flushed.ok()) log::Warnf("log of process {}: {}", process.key, flushed.ToString());
  }
  if (process.Drained()) {
    for (auto& [sink, wants] : process.sinks) sink->OnOutputClosed();
    process.sinks.clear();
    CheckDrained(process.key, process, after);
  }
}

void IoHub::CheckDrained(const std::string& key, Process& process,
                         std::vector<std::function<void()>>& after) {
  if (!process.Drained()) return;
  for (auto it = drain_waits_.begin(); it != drain_waits_.end();) {
    if (it->key == key) {
      after.push_back(std::move(it->done));
      it = drain_waits_.erase(it);
    } else {
      ++it;
    }
  }
}

void IoHub::ExpireDrainWaits(std::vector<std::function<void()>>& after) {
  auto now = std::chrono::steady_clock::now();
  for (auto it = drain_waits_.begin(); it != drain_waits_.end();) {
    auto process = processes_.find(it->key);
    bool drained = process == processes_.end() || process->second->Drained();
    if (drained || it->deadline <= now) {
      if (!drained)
        log::Warnf("process {}: output still open after exit; not waiting for it", it->key);
      after.push_back(std::move(it->done));
      it = drain_waits_.erase(it);
    } else {
      ++it;
    }
  }
}

std::chrono::milliseconds IoHub::NextDrainDeadline() {
  if (drain_waits_.empty()) return std::chrono::milliseconds(-1);
  auto earliest = std::min_element(drain_waits_.begin(), drain_waits_.end(),
                                   [](const DrainWait& a, const DrainWait& b) {
                                     return a.deadline < b.deadline;
                                   })
                      ->deadline;
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(earliest - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

void IoHub::Loop() {
  epoll_event events[32];
  for (;;) {
    int timeout;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      timeout = static_cast<int>(NextDrainDeadline().count());
    }
    int n = ::epoll_wait(epoll_.get(), events, 32, timeout);
    if (n < 0 && errno != EINTR) {
      log::Errorf("io loop: epoll_wait: {}", std::strerror(errno));
      return;
    }
    std::vector<std::function<void()>> after;
    std::vector<std::function<void()>> watchers;
    {
      std::lock_guard lock(mu_);
      for (int i = 0; i < n; ++i) {
        uint64_t token = events[i].data.u64;
        if (token == 0) {
          uint64_t count;
          (void)!::read(wake_.get(), &count, sizeof(count));
          continue;
        }
        auto handler = handlers_.find(token);
        if (handler == handlers_.end()) continue;  // closed while the event was pending
        if (handler->second) {
          // Another fd's watcher: run it unlocked, it may call back into the hub.
          watchers.push_back([h = handler->second, e = events[i].events] { h(e); });
          continue;
        }
        for (auto& [key, process] : processes_) {
          if (process->stdin_fd && process->stdin_token == token) {
            FlushStdin(*process, after);
            break;
          }
          bool found = false;
          for (Output& output : process->outputs) {
            if (output.fd && output.token == token) {
              ReadOutput(*process, output, after);
              found = true;
              break;
            }
          }
          if (found) break;
        }
      }
      ExpireDrainWaits(after);
    }
    for (auto& f : watchers) f();
    for (auto& f : after) f();
  }
}

}  // namespace berth::shim::io

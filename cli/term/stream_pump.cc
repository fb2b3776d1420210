#include "cli/term/stream_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/term/detach_keys.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli::term {
namespace {

constexpr size_t kBufferSize = 32 * 1024;
constexpr size_t kHeaderSize = 8;
// A systemerr frame's text beyond this is dropped (the frame is still read).
constexpr size_t kMaxSystemErrorText = 64 * 1024;

// Writes all of `data` to `fd`, waiting out EAGAIN if the fd is non-blocking
// (a terminal shared with a program that set O_NONBLOCK, say).
absl::Status WriteAllFd(int fd, std::string_view data, std::string_view what) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd pfd{fd, POLLOUT, 0};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
          return ErrnoErrorf(errno, "write {} to fd {}: poll", what, fd);
        }
        continue;
      }
      return ErrnoErrorf(errno, "write {} to fd {}", what, fd);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Splits docker's stdcopy stream (8-byte header: stream byte, 3 bytes
// unused, big-endian uint32 length; then the payload) into out_fd and
// err_fd. Bytes may arrive cut anywhere; payloads are written as they come.
class Demuxer {
 public:
  Demuxer(int out_fd, int err_fd) : out_fd_(out_fd), err_fd_(err_fd) {}

  absl::Status Feed(std::string_view data) {
    while (!data.empty()) {
      if (header_size_ < kHeaderSize) {
        size_t take = std::min(kHeaderSize - header_size_, data.size());
        std::memcpy(header_.data() + header_size_, data.data(), take);
        header_size_ += take;
        data.remove_prefix(take);
        if (header_size_ < kHeaderSize) break;
        BERTH_RETURN_IF_ERROR(StartFrame());
        continue;
      }
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
      std::string_view payload = data.substr(0, take);
      data.remove_prefix(take);
      remaining_ -= take;
      if (stream_ == kSystemErr) {
        size_t room = kMaxSystemErrorText - std::min(kMaxSystemErrorText, system_error_.size());
        system_error_.append(payload.substr(0, std::min(room, payload.size())));
      } else {
        int fd = stream_ == kStdErr ? err_fd_ : out_fd_;
        if (fd >= 0) {
          BERTH_RETURN_IF_ERROR(WriteAllFd(
              fd, payload, stream_ == kStdErr ? "container stderr" : "container stdout"));
        }
      }
      if (remaining_ == 0) BERTH_RETURN_IF_ERROR(EndFrame());
    }
    return absl::OkStatus();
  }

 private:
  static constexpr uint8_t kStdIn = 0, kStdOut = 1, kStdErr = 2, kSystemErr = 3;

  absl::Status StartFrame() {
    stream_ = static_cast<uint8_t>(header_[0]);
    if (stream_ > kSystemErr) {
      return Internalf("unrecognized stream header: {}", stream_);
    }
    remaining_ = (uint32_t{static_cast<uint8_t>(header_[4])} << 24) |
                 (uint32_t{static_cast<uint8_t>(header_[5])} << 16) |
                 (uint32_t{static_cast<uint8_t>(header_[6])} << 8) |
                 uint32_t{static_cast<uint8_t>(header_[7])};
    if (remaining_ == 0) return EndFrame();
    return absl::OkStatus();
  }

  absl::Status EndFrame() {
    header_size_ = 0;
    if (stream_ == kSystemErr) {
      return Internalf("error from daemon in stream: {}", system_error_);
    }
    return absl::OkStatus();
  }

  int out_fd_, err_fd_;
  std::array<char, kHeaderSize> header_{};
  size_t header_size_ = 0;
  uint8_t stream_ = kStdOut;
  uint64_t remaining_ = 0;  // payload bytes left in the current frame
  std::string system_error_;
};

absl::Status CopyOutput(client::Connection& connection, const PumpOptions& options) {
  std::vector<char> buf(kBufferSize);
  Demuxer demuxer(options.out_fd, options.err_fd);
  while (true) {
    absl::StatusOr<size_t> n = connection.ReadSome(buf.data(), buf.size());
    if (!n.ok()) return WithContext(n.status(), "read container output");
    if (*n == 0) return absl::OkStatus();
    std::string_view data(buf.data(), *n);
    if (options.tty) {
      if (options.out_fd >= 0) {
        BERTH_RETURN_IF_ERROR(WriteAllFd(options.out_fd, data, "container output"));
      }
    } else {
      BERTH_RETURN_IF_ERROR(demuxer.Feed(data));
    }
  }
}

struct InputState {
  client::Connection& connection;
  const PumpOptions& options;
  int wake_fd;
  bool end_with_input;  // no output is copied: input ending ends the pump
  std::atomic<bool> detached{false};
  std::atomic<bool> ended_by_input{false};  // Shutdown() by end_with_input
};

// The input thread: in_fd -> connection until EOF, detach or wake-up.
void CopyInput(InputState& state) {
  DetachScanner scanner(state.options.tty ? state.options.detach_keys : std::string());
  std::vector<char> buf(kBufferSize);
  std::array<pollfd, 2> fds{{{state.options.in_fd, POLLIN, 0}, {state.wake_fd, POLLIN, 0}}};
  while (true) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) return;  // Pump is returning: leave the connection be
    if (fds[0].revents == 0) continue;
    ssize_t n = read(state.options.in_fd, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) break;  // EOF; EIO from a hung-up terminal and other errors end input too
    DetachScanner::Result scanned =
        scanner.Scan(std::string_view(buf.data(), static_cast<size_t>(n)));
    if (!scanned.forward.empty() && !state.connection.WriteAll(scanned.forward).ok()) {
      break;  // the output side sees the broken connection and reports it
    }
    if (scanned.detached) {
      state.detached.store(true);
      state.connection.Shutdown();
      return;
    }
  }
  // Tell the container its stdin ended; its output keeps coming.
  (void)state.connection.CloseWrite();
  if (state.end_with_input) {
    state.ended_by_input.store(true);
    state.connection.Shutdown();
  }
}

}  // namespace

absl::StatusOr<PumpResult> Pump(client::Connection& connection, const PumpOptions& options) {
  bool copy_output = options.out_fd >= 0 || options.err_fd >= 0;
  if (options.in_fd < 0) {
    // Nothing to send: half-close now, as docker does.
    (void)connection.CloseWrite();
    if (!copy_output) return PumpResult::kOutputEnded;
  }

  int wake[2];
  if (pipe2(wake, O_CLOEXEC) != 0) return ErrnoErrorf(errno, "copy container stdio: pipe2");
  UniqueFd wake_read(wake[0]), wake_write(wake[1]);

  InputState input{connection, options, wake_read.get(), !copy_output};
  std::thread input_thread;
  if (options.in_fd >= 0) input_thread = std::thread([&input] { CopyInput(input); });

  absl::Status status = CopyOutput(connection, options);

  if (input_thread.joinable()) {
    char byte = 0;
    [[maybe_unused]] ssize_t n = write(wake_write.get(), &byte, 1);
    connection.Shutdown();  // in case the thread is blocked in WriteAll
    input_thread.join();
  }
  if (input.detached.load()) return PumpResult::kDetached;
  if (input.ended_by_input.load()) return PumpResult::kOutputEnded;
  if (!status.ok()) return status;
  return PumpResult::kOutputEnded;
}

}  // namespace berth::cli::term

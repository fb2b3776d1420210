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
#include "cli/term/stdcopy.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli::term {
namespace {

constexpr size_t kBufferSize = 32 * 1024;
absl::Status CopyOutput(client::Connection& connection, const PumpOptions& options) {
  std::vector<char> buf(kBufferSize);
  StdcopyDemuxer demuxer(options.out_fd, options.err_fd);
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

#include "cli/term/stdcopy.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/status.h"

namespace berth::cli::term {
namespace {

constexpr size_t kHeaderSize = 8;
// A systemerr frame's text beyond this is dropped (the frame is still read).
constexpr size_t kMaxSystemErrorText = 64 * 1024;

}  // namespace

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
class StdcopyDemuxer::Impl {
 public:
  Impl(int out_fd, int err_fd) : out_fd_(out_fd), err_fd_(err_fd) {}

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

StdcopyDemuxer::StdcopyDemuxer(int out_fd, int err_fd)
    : impl_(std::make_unique<Impl>(out_fd, err_fd)) {}
StdcopyDemuxer::~StdcopyDemuxer() = default;
absl::Status StdcopyDemuxer::Feed(std::string_view data) { return impl_->Feed(data); }

}  // namespace berth::cli::term

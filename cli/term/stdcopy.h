// docker's stdcopy stream (attach and logs without a TTY): frames of an
// 8-byte header — stream byte (0 stdin, 1 stdout, 2 stderr, 3 the daemon's
// error), 3 unused bytes, big-endian uint32 length — and the payload.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/status.h"

namespace berth::cli::term {

// Writes all of `data` to `fd`, waiting out EAGAIN if the fd is non-blocking
// (a terminal shared with a program that set O_NONBLOCK, say). `what`
// names the data in the error.
absl::Status WriteAllFd(int fd, std::string_view data, std::string_view what);

// Splits the stream into out_fd and err_fd (-1: discard). Bytes may arrive
// cut anywhere; payloads are written as they come. A stream-3 frame is an
// Internal error "error from daemon in stream: <text>".
class StdcopyDemuxer {
 public:
  StdcopyDemuxer(int out_fd, int err_fd);
  ~StdcopyDemuxer();
  absl::Status Feed(std::string_view data);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::cli::term

// A byte stream to berthd: a unix socket, or TLS over TCP. The client speaks
// HTTP over it; after an upgrade (attach, exec start) the CLI copies the
// container's stdio over it directly.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::cli::client {

class Connection {
 public:
  virtual ~Connection() = default;

  // Reads up to `n` bytes, blocking until some arrive; 0 at end of stream.
  virtual absl::StatusOr<size_t> ReadSome(char* buf, size_t n) = 0;
  virtual absl::Status WriteAll(std::string_view data) = 0;
  // Half-closes the sending side (stdin ended); reading goes on.
  virtual absl::Status CloseWrite() = 0;
  // Wakes any thread blocked in ReadSome or WriteAll; both then fail or
  // return 0. Safe to call from another thread, more than once.
  virtual void Shutdown() = 0;
};

// Wraps `inner` so the first reads return `buffered` (bytes the HTTP parser
// read past the upgrade response) before reading from `inner`.
std::unique_ptr<Connection> WithBufferedPrefix(std::unique_ptr<Connection> inner,
                                               std::string buffered);

}  // namespace berth::cli::client

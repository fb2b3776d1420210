// A --console-socket listener for tests: accepts the runtime's connection
// and receives the pty master.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::testing {

class ConsoleSocket {
 public:
  explicit ConsoleSocket(std::string path);
  ~ConsoleSocket();
  const std::string& path() const { return path_; }
  // Waits (up to 10 s) for the runtime and returns the pty master.
  absl::StatusOr<UniqueFd> ReceiveMaster();

 private:
  std::string path_;
  UniqueFd listener_;
};

// Reads from a pty master until the other side is gone (EIO) or 10 s pass.
std::string ReadAllFromPty(int master);

}  // namespace berth::testing

// The --console-socket handed to the runtime when a process has a terminal:
// the runtime connects, sends the pty master with SCM_RIGHTS and hangs up.
// The connection waits in the backlog, so the master is received after the
// runtime command returned (as containerd's runc shim does).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::shim::io {

class ConsoleSocket {
 public:
  // Listens on a fresh socket inside `dir` (short, to fit sun_path).
  static absl::StatusOr<ConsoleSocket> Listen(const std::string& dir);
  ConsoleSocket(ConsoleSocket&&) = default;
  ConsoleSocket& operator=(ConsoleSocket&&) = default;
  ~ConsoleSocket();

  const std::string& path() const { return path_; }
  // The master the runtime sent; FailedPrecondition if it sent none.
  absl::StatusOr<UniqueFd> ReceiveMaster();

 private:
  ConsoleSocket(std::string path, UniqueFd listener)
      : path_(std::move(path)), listener_(std::move(listener)) {}
  std::string path_;
  UniqueFd listener_;
};

}  // namespace berth::shim::io

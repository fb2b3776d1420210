// Typed messages between the runtime and the container process it is
// setting up, over a SOCK_SEQPACKET socketpair (one message per packet, an
// optional fd riding along with SCM_RIGHTS).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::runtime::process {

enum class MessageType : uint32_t {
  kGo = 1,          // parent -> child: id maps written; carry on
  kCgroupsJoined,   // parent -> child: the child is in the container's cgroups
  kError,           // child -> parent: setup failed; data is the message
  kMapsRequest,     // child -> parent: write uid/gid maps for my pid (value)
  kMapsDone,        // parent -> child
  kInitPid,         // child -> parent: the pid (value) of the process that will exec
  kRunHooks,        // child -> parent: run prestart + createRuntime hooks now
  kHooksDone,       // parent -> child
  kSeccompFd,       // child -> parent: the seccomp notify fd rides along
  kSeccompFdDone,   // parent -> child: sent to the listener
  kReady,           // child -> parent: about to wait for start / exec
};

struct Message {
  MessageType type = MessageType::kError;
  int64_t value = 0;
  std::string data;
};

class Channel {
 public:
  // Makes a connected pair: first for the parent, second for the child.
  static absl::StatusOr<std::pair<Channel, Channel>> Pair();

  Channel() = default;
  explicit Channel(UniqueFd fd) : fd_(std::move(fd)) {}

  absl::Status Send(const Message& message, int pass_fd = -1);
  absl::Status Send(MessageType type, int64_t value = 0, std::string data = "") {
    return Send(Message{type, value, std::move(data)});
  }
  // Blocks for the next message. Peer gone: Unavailable. An fd sent along
  // is stored in *received_fd when given, closed otherwise.
  absl::StatusOr<Message> Receive(UniqueFd* received_fd = nullptr);
  // Receives and checks the type; a kError from the peer becomes the error.
  absl::StatusOr<Message> Expect(MessageType type, UniqueFd* received_fd = nullptr);

  int fd() const { return fd_.get(); }
  void Close() { fd_.reset(); }

 private:
  UniqueFd fd_;
};

}  // namespace berth::runtime::process

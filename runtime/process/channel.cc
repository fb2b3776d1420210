#include "runtime/process/channel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <cstring>

#include "common/status.h"

namespace berth::runtime::process {
namespace {

constexpr size_t kHeaderSize = sizeof(uint32_t) + sizeof(int64_t);
constexpr size_t kMaxMessage = 64 * 1024;

}  // namespace

absl::StatusOr<std::pair<Channel, Channel>> Channel::Pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) {
    return ErrnoErrorf(errno, "socketpair");
  }
  return std::make_pair(Channel(UniqueFd(fds[0])), Channel(UniqueFd(fds[1])));
}

absl::Status Channel::Send(const Message& message, int pass_fd) {
  std::string packet(kHeaderSize, '\0');
  uint32_t type = static_cast<uint32_t>(message.type);
  std::memcpy(packet.data(), &type, sizeof(type));
  std::memcpy(packet.data() + sizeof(type), &message.value, sizeof(message.value));
  packet += message.data.substr(0, kMaxMessage - kHeaderSize);

  struct iovec iov = {packet.data(), packet.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (pass_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "send to container setup channel");
  return absl::OkStatus();
}

absl::StatusOr<Message> Channel::Receive(UniqueFd* received_fd) {
  std::string packet(kMaxMessage, '\0');
  struct iovec iov = {packet.data(), packet.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "receive from container setup channel");
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
      if (received_fd != nullptr) {
        received_fd->reset(fd);
      } else {
        ::close(fd);
      }
    }
  }
  if (n == 0) return absl::UnavailableError("container setup process exited unexpectedly");
  if (static_cast<size_t>(n) < kHeaderSize) {
    return Internalf("container setup channel: short message ({} bytes)", n);
  }
  Message message;
  uint32_t type;
  std::memcpy(&type, packet.data(), sizeof(type));
  message.type = static_cast<MessageType>(type);
  std::memcpy(&message.value, packet.data() + sizeof(type), sizeof(message.value));
  message.data.assign(packet.data() + kHeaderSize, static_cast<size_t>(n) - kHeaderSize);
  return message;
}

absl::StatusOr<Message> Channel::Expect(MessageType type, UniqueFd* received_fd) {
  BERTH_ASSIGN_OR_RETURN(Message message, Receive(received_fd));
  if (message.type == MessageType::kError) {
    return absl::Status(static_cast<absl::StatusCode>(message.value == 0 ? 13 : message.value),
                        message.data);
  }
  if (message.type != type) {
    return Internalf("container setup channel: expected message {}, got {}",
                     static_cast<uint32_t>(type), static_cast<uint32_t>(message.type));
  }
  return message;
}

}  // namespace berth::runtime::process

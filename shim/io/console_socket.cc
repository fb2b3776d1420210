#include "shim/io/console_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "common/status.h"

namespace berth::shim::io {

absl::StatusOr<ConsoleSocket> ConsoleSocket::Listen(const std::string& dir) {
  static std::atomic<unsigned> counter{0};
  std::string path = fmt::format("{}/pty-{}-{}.sock", dir, ::getpid(), counter++);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgumentf("console socket path {}: too long for a unix socket", path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoErrorf(errno, "socket for {}", path);
  ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    return ErrnoErrorf(errno, "bind {}", path);
  }
  if (::listen(fd.get(), 1) < 0) return ErrnoErrorf(errno, "listen {}", path);
  return ConsoleSocket(std::move(path), std::move(fd));
}

ConsoleSocket::~ConsoleSocket() {
  if (listener_) ::unlink(path_.c_str());
}

absl::StatusOr<UniqueFd> ConsoleSocket::ReceiveMaster() {
  pollfd pfd{listener_.get(), POLLIN, 0};
  if (::poll(&pfd, 1, 0) <= 0) {
    return FailedPreconditionf("console socket {}: the runtime sent no terminal", path_);
  }
  UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return ErrnoErrorf(errno, "accept on {}", path_);
  char name[256];
  iovec iov{name, sizeof(name)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "receive terminal on {}", path_);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (cmsg == nullptr || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
    return FailedPreconditionf("console socket {}: message carried no fd", path_);
  }
  int master;
  std::memcpy(&master, CMSG_DATA(cmsg), sizeof(int));
  return UniqueFd(master);
}

}  // namespace berth::shim::io

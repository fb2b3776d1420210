#include "runtime/linux/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "common/status.h"

namespace berth::runtime::linux {

absl::StatusOr<UniqueFd> ConnectConsoleSocket(const std::string& path) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgumentf("console socket path {} is too long", path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return ErrnoErrorf(errno, "socket");
  if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) < 0) {
    return ErrnoErrorf(errno, "connect to console socket {}", path);
  }
  return sock;
}

absl::Status SendFd(int socket, int fd, const std::string& name) {
  std::string payload = name.empty() ? std::string("fd") : name;
  struct iovec iov = {payload.data(), payload.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  ssize_t n;
  do {
    n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "send {} over unix socket", payload);
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> ReceiveFd(int socket) {
  char buf[4096];
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "receive fd over unix socket");
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
      return UniqueFd(fd);
    }
  }
  return absl::UnavailableError("no fd received over unix socket (peer closed?)");
}

absl::Status SetupConsole(int console_socket, const std::optional<spec::ConsoleSize>& size) {
  UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return ErrnoErrorf(errno, "open /dev/ptmx in the container");
  if (::unlockpt(master.get()) < 0) return ErrnoErrorf(errno, "unlockpt");
  // TIOCGPTPEER opens the peer through the master, never by a path that
  // the container could have swapped.
  UniqueFd peer(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!peer) return ErrnoErrorf(errno, "open pty peer (TIOCGPTPEER)");
  if (size && size->height > 0 && size->width > 0) {
    struct winsize ws = {};
    ws.ws_row = static_cast<unsigned short>(size->height);
    ws.ws_col = static_cast<unsigned short>(size->width);
    if (::ioctl(master.get(), TIOCSWINSZ, &ws) < 0) return ErrnoErrorf(errno, "set console size");
  }
  char name[128] = "/dev/ptmx";
  (void)::ptsname_r(master.get(), name, sizeof(name));
  BERTH_RETURN_IF_ERROR(WithContext(SendFd(console_socket, master.get(), name),
                                    "send pty master to console socket"));
  if (::setsid() < 0 && errno != EPERM) return ErrnoErrorf(errno, "setsid");
  if (::ioctl(peer.get(), TIOCSCTTY, 0) < 0) return ErrnoErrorf(errno, "set controlling terminal");
  for (int fd = 0; fd <= 2; ++fd) {
    if (::dup3(peer.get(), fd, 0) < 0) return ErrnoErrorf(errno, "dup pty onto fd {}", fd);
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

#include "tests/integration/runtime/console_socket.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/status.h"
#include "runtime/linux/terminal.h"

namespace berth::testing {

ConsoleSocket::ConsoleSocket(std::string path) : path_(std::move(path)) {
  listener_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  (void)bind(listener_.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr));
  (void)listen(listener_.get(), 4);
}

ConsoleSocket::~ConsoleSocket() { unlink(path_.c_str()); }

absl::StatusOr<UniqueFd> ConsoleSocket::ReceiveMaster() {
  struct pollfd pfd = {listener_.get(), POLLIN, 0};
  if (poll(&pfd, 1, 10000) <= 0) return absl::DeadlineExceededError("no console connection");
  UniqueFd conn(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return ErrnoErrorf(errno, "accept");
  return runtime::linux::ReceiveFd(conn.get());
}

std::string ReadAllFromPty(int master) {
  std::string out;
  for (;;) {
    struct pollfd pfd = {master, POLLIN, 0};
    if (poll(&pfd, 1, 10000) <= 0) break;
    char buf[4096];
    ssize_t n = read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO: the container side closed
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace berth::testing

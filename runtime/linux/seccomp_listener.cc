#include "runtime/linux/seccomp_listener.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {
namespace {

// The name of the seccomp listener fd in "fds" (specs-go SeccompFdName).
constexpr char kSeccompFdName[] = "seccompFd";

absl::Status Connect(int sock, const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgumentf("seccomp listener path \"{}\": must be 1 to {} bytes long", path,
                            sizeof(addr.sun_path) - 1);
  }
  memcpy(addr.sun_path, path.data(), path.size());
  for (;;) {
    if (::connect(sock, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) break;
    if (errno == EINTR) continue;
    if (errno == EISCONN) break;  // an interrupted connect that completed
    return ErrnoErrorf(errno, "connect to the seccomp agent at {}", path);
  }
  return absl::OkStatus();
}

}  // namespace

json::Json ContainerProcessState(pid_t pid, const std::string& metadata, const json::Json& state) {
  json::Json j = json::Json::object();
  j["ociVersion"] = spec::kOciVersion;
  j["fds"] = json::Json::array({kSeccompFdName});
  j["pid"] = pid;
  if (!metadata.empty()) j["metadata"] = metadata;
  j["state"] = state;
  return j;
}

absl::Status SendSeccompListenerFd(const std::string& listener_path, int seccomp_fd, pid_t pid,
                                   const std::string& metadata, const json::Json& state) {
  if (seccomp_fd < 0) return InvalidArgumentf("send seccomp fd: invalid fd {}", seccomp_fd);
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return ErrnoErrorf(errno, "socket(AF_UNIX)");
  BERTH_RETURN_IF_ERROR(Connect(sock.get(), listener_path));

  const std::string payload = json::Dump(ContainerProcessState(pid, metadata, state));

  iovec iov{};
  iov.iov_base = const_cast<char*>(payload.data());
  iov.iov_len = payload.size();
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &seccomp_fd, sizeof(int));

  ssize_t n;
  do {
    n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "send seccomp fd to {}", listener_path);

  // A blocking stream socket normally takes it all at once; the spec allows
  // more calls as long as the fd went with the first.
  size_t sent = static_cast<size_t>(n);
  while (sent < payload.size()) {
    n = ::send(sock.get(), payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "send container process state to {}", listener_path);
    }
    sent += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

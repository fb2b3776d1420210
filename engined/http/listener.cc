#include "engined/http/listener.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/status.h"

namespace berth::engined::http {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

absl::Status SetCloexec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
    return ErrnoErrorf(errno, "set close-on-exec on fd {}", fd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Listener>> UnixListener::Create(asio::io_context& io,
                                                               const std::string& path,
                                                               unsigned mode, int gid) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return AlreadyExistsf("listen on {}: the path exists and is not a socket", path);
    }
    // A socket left by a daemon that did not exit cleanly.
    if (::unlink(path.c_str()) < 0) return ErrnoErrorf(errno, "remove stale socket {}", path);
  }
  std::unique_ptr<UnixListener> listener(new UnixListener(io, path));
  boost::system::error_code ec;
  listener->acceptor_.open(Local(), ec);
  if (!ec) BERTH_RETURN_IF_ERROR(SetCloexec(listener->acceptor_.native_handle()));
  if (!ec) listener->acceptor_.bind(Local::endpoint(path), ec);
  if (ec) return Errorf(absl::StatusCode::kUnavailable, "bind {}: {}", path, ec.message());
  listener->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) listener->acceptor_.non_blocking(true, ec);
  if (ec) return Errorf(absl::StatusCode::kUnavailable, "listen on {}: {}", path, ec.message());
  if (::chmod(path.c_str(), mode) < 0) return ErrnoErrorf(errno, "chmod {:o} {}", mode, path);
  if (gid >= 0 && ::chown(path.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(gid)) < 0) {
    return ErrnoErrorf(errno, "chown {} to group {}", path, gid);
  }
  return std::unique_ptr<Listener>(std::move(listener));
}

UnixListener::~UnixListener() {
  boost::system::error_code ec;
  if (acceptor_.is_open()) {
    acceptor_.close(ec);
    ::unlink(path_.c_str());
  }
}

absl::StatusOr<std::unique_ptr<Transport>> UnixListener::Accept() {
  Local::socket socket(acceptor_.get_executor());
  boost::system::error_code ec;
  acceptor_.accept(socket, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again ||
      ec == asio::error::connection_aborted || ec == asio::error::interrupted) {
    return nullptr;
  }
  if (ec) return Errorf(absl::StatusCode::kUnavailable, "accept on {}: {}", path_, ec.message());
  BERTH_RETURN_IF_ERROR(SetCloexec(socket.native_handle()));
  return std::unique_ptr<Transport>(std::make_unique<UnixTransport>(std::move(socket)));
}

}  // namespace berth::engined::http

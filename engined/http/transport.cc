#include "engined/http/transport.h"

#include <fcntl.h>

#include <boost/asio/write.hpp>

#include "common/status.h"

namespace berth::engined::http {

size_t UnixTransport::ReadSome(void* data, size_t n, boost::system::error_code& ec) {
  return socket_.read_some(boost::asio::buffer(data, n), ec);
}

bool UnixTransport::WriteAll(std::string_view data) {
  // asio sends with MSG_NOSIGNAL: a gone peer is EPIPE, not SIGPIPE.
  boost::system::error_code ec;
  boost::asio::write(socket_, boost::asio::buffer(data.data(), data.size()), ec);
  return !ec;
}

int UnixTransport::fd() const {
  return const_cast<boost::asio::local::stream_protocol::socket&>(socket_).native_handle();
}

absl::StatusOr<UniqueFd> UnixTransport::DupForHijack() {
  int fd = ::fcntl(this->fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return ErrnoErrorf(errno, "duplicate the hijacked connection");
  return UniqueFd(fd);
}

}  // namespace berth::engined::http

#include "engined/http/tls_relay.h"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"

namespace berth::engined::http {
namespace {

// Bytes held per direction; a side that stops reading stops the other.
constexpr size_t kWindow = 64 * 1024;

// The poll events an SSL call that could not finish is waiting for; 0
// when the session is over (close_notify is handled by the caller).
short WaitFor(int ssl_error) {
  if (ssl_error == SSL_ERROR_WANT_READ) return POLLIN;
  if (ssl_error == SSL_ERROR_WANT_WRITE) return POLLOUT;
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsRelay>> TlsRelay::Start(SSL* ssl, int tcp_fd) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
    return ErrnoErrorf(errno, "socketpair for a hijacked TLS connection");
  }
  UniqueFd relay_end(pair[0]), handler_end(pair[1]);
  BERTH_RETURN_IF_ERROR(SetNonBlocking(relay_end.get()));
  BERTH_RETURN_IF_ERROR(SetNonBlocking(tcp_fd));
  // Writes are retried after WANT_WRITE from a buffer that may have moved.
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  std::unique_ptr<TlsRelay> relay(
      new TlsRelay(ssl, tcp_fd, std::move(relay_end), std::move(handler_end)));
  relay->thread_ = std::thread([r = relay.get()] { r->Run(); });
  return relay;
}

TlsRelay::TlsRelay(SSL* ssl, int tcp_fd, UniqueFd relay_end, UniqueFd handler_end)
    : ssl_(ssl),
      tcp_fd_(tcp_fd),
      relay_fd_(std::move(relay_end)),
      handler_fd_(std::move(handler_end)) {}

TlsRelay::~TlsRelay() {
  handler_fd_.reset();  // an untaken end would keep the relay waiting
  if (thread_.joinable()) thread_.join();
}

void TlsRelay::Run() {
  std::string to_handler;  // read from the client, not yet given to the handler
  std::string to_peer;     // read from the handler, not yet sent to the client
  size_t retry_len = 0;    // an SSL_write to repeat with the same length
  bool peer_done = false;  // the client sent close_notify (or its TCP FIN)
  bool handler_write_shut = false;
  bool handler_done = false;  // the handler closed its end
  std::vector<char> buf(kWindow);

  while (true) {
    short tcp_events = 0;
    short handler_events = 0;
    bool progress = false;

    // Client -> handler.
    if (!peer_done && to_handler.size() < kWindow) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buf.data(), static_cast<int>(kWindow - to_handler.size()));
      if (n > 0) {
        to_handler.append(buf.data(), static_cast<size_t>(n));
        progress = true;
      } else {
        int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
          peer_done = true;  // close_notify, or a FIN without one
          progress = true;
        } else if (short wait = WaitFor(err); wait != 0) {
          tcp_events |= wait;
        } else {
          char why[256] = "";
          ERR_error_string_n(ERR_peek_error(), why, sizeof(why));
          log::Debugf("hijacked TLS connection: read failed (SSL error {}: {})", err, why);
          break;
        }
      }
    }
    if (!to_handler.empty()) {
      ssize_t n = ::send(relay_fd_.get(), to_handler.data(), to_handler.size(),
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        to_handler.erase(0, static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        handler_events |= POLLOUT;
      } else {
        to_handler.clear();  // the handler stopped reading; its input is moot
        peer_done = true;
      }
    }
    if (peer_done && to_handler.empty() && !handler_write_shut) {
      ::shutdown(relay_fd_.get(), SHUT_WR);  // stdin's end, as the client meant it
      handler_write_shut = true;
    }

    // Handler -> client.
    if (!handler_done && to_peer.size() < kWindow) {
      ssize_t n = ::recv(relay_fd_.get(), buf.data(), kWindow - to_peer.size(), MSG_DONTWAIT);
      if (n > 0) {
        to_peer.append(buf.data(), static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        handler_events |= POLLIN;
      } else {
        handler_done = true;
        progress = true;
      }
    }
    if (!to_peer.empty()) {
      size_t len = retry_len != 0 ? retry_len : std::min<size_t>(to_peer.size(), INT_MAX);
      ERR_clear_error();
      int n = SSL_write(ssl_, to_peer.data(), static_cast<int>(len));
      if (n > 0) {
        to_peer.erase(0, static_cast<size_t>(n));
        retry_len = 0;
        progress = true;
      } else if (short wait = WaitFor(SSL_get_error(ssl_, n)); wait != 0) {
        retry_len = len;
        tcp_events |= wait;
      } else {
        log::Debugf("hijacked TLS connection: the client is gone");
        break;
      }
    }
    if (handler_done && to_peer.empty()) {
      // Best effort: a client that stopped reading does not get to hold us.
      ERR_clear_error();
      SSL_shutdown(ssl_);
      ::shutdown(tcp_fd_, SHUT_WR);
      break;
    }
    if (progress) continue;

    struct pollfd fds[2] = {{tcp_fd_, tcp_events, 0},
                            {handler_events != 0 ? relay_fd_.get() : -1, handler_events, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno != EINTR) {
      log::Warnf("hijacked TLS connection: poll: {}", std::strerror(errno));
      break;
    }
    // POLLHUP on TCP means our side can no longer send: the server is
    // shutting down or the client reset the connection.
    if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) break;
  }
  relay_fd_.reset();  // the handler sees its connection close
}

}  // namespace berth::engined::http

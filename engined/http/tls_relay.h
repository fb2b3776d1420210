// A hijacked TLS connection handed to a handler as a plain socket: the
// handler gets one end of a socketpair and a thread moves bytes between
// the other end and the TLS session, so attach and exec work the same
// over tcp:// with --tlsverify as over the unix socket.
//
// Half-closes carry through both ways: a client's close_notify (docker's
// CloseWrite after stdin ends) becomes shutdown(SHUT_WR) on the handler's
// socket, and the handler closing its socket sends close_notify and
// shuts down the TCP write side once every byte is out.
#pragma once

#include <openssl/ssl.h>

#include <thread>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::engined::http {

class TlsRelay {
 public:
  // Starts relaying `ssl` (whose handshake is done, on the blocking socket
  // `tcp_fd`) and returns the relay; the handler's end is in handler_fd().
  // Neither `ssl` nor `tcp_fd` may be used by anyone else from here on,
  // except shutdown(2) of tcp_fd to stop the relay.
  static absl::StatusOr<std::unique_ptr<TlsRelay>> Start(SSL* ssl, int tcp_fd);
  ~TlsRelay();  // waits for the relay to end (the handler closes its end)

  UniqueFd TakeHandlerFd() { return std::move(handler_fd_); }

 private:
  TlsRelay(SSL* ssl, int tcp_fd, UniqueFd relay_end, UniqueFd handler_end);
  void Run();

  SSL* ssl_;
  int tcp_fd_;
  UniqueFd relay_fd_;    // our end of the socketpair
  UniqueFd handler_fd_;  // the handler's, until taken
  std::thread thread_;
};

}  // namespace berth::engined::http

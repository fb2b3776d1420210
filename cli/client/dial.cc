#include "cli/client/dial.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/file_util.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace berth::cli::client {
namespace {

// A unix or TCP socket without TLS.
class SocketConnection : public Connection {
 public:
  explicit SocketConnection(UniqueFd fd) : fd_(std::move(fd)) {}

  absl::StatusOr<size_t> ReadSome(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_.get(), buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) return 0;
      return ErrnoErrorf(errno, "read from the daemon");
    }
  }
  absl::Status WriteAll(std::string_view data) override {
    while (!data.empty()) {
      ssize_t w = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        return ErrnoErrorf(errno, "write to the daemon");
      }
      data.remove_prefix(static_cast<size_t>(w));
    }
    return absl::OkStatus();
  }
  absl::Status CloseWrite() override {
    if (::shutdown(fd_.get(), SHUT_WR) != 0 && errno != ENOTCONN) {
      return ErrnoErrorf(errno, "shutdown the connection's write side");
    }
    return absl::OkStatus();
  }
  void Shutdown() override { ::shutdown(fd_.get(), SHUT_RDWR); }

 private:
  UniqueFd fd_;
};

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

std::string SslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

// TLS over a non-blocking TCP socket. OpenSSL forbids concurrent calls on
// one SSL, yet attach reads and writes from two threads: each call holds
// the mutex only for the SSL_read/SSL_write and waits in poll() without it.
class TlsConnection : public Connection {
 public:
  TlsConnection(UniqueFd fd, std::unique_ptr<SSL_CTX, SslCtxFree> ctx,
                std::unique_ptr<SSL, SslFree> ssl)
      : fd_(std::move(fd)), ctx_(std::move(ctx)), ssl_(std::move(ssl)) {}

  absl::Status Handshake() {
    for (;;) {
      int r = SSL_connect(ssl_.get());
      if (r == 1) return absl::OkStatus();
      int err = SSL_get_error(ssl_.get(), r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        BERTH_RETURN_IF_ERROR(Wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT));
        continue;
      }
      long verify = SSL_get_verify_result(ssl_.get());
      if (verify != X509_V_OK) {
        return absl::UnavailableError(fmt::format("tls: the daemon's certificate: {}",
                                                  X509_verify_cert_error_string(verify)));
      }
      return absl::UnavailableError("tls handshake: " + SslErrors());
    }
  }

  absl::StatusOr<size_t> ReadSome(char* buf, size_t n) override {
    for (;;) {
      int r, err;
      {
        std::lock_guard lock(mu_);
        r = SSL_read(ssl_.get(), buf, static_cast<int>(std::min<size_t>(n, 1 << 30)));
        err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
      }
      if (r > 0) return static_cast<size_t>(r);
      if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL) return 0;
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        BERTH_RETURN_IF_ERROR(Wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT));
        continue;
      }
      return absl::UnavailableError("tls read: " + SslErrors());
    }
  }

  absl::Status WriteAll(std::string_view data) override {
    while (!data.empty()) {
      int r, err;
      {
        std::lock_guard lock(mu_);
        r = SSL_write(ssl_.get(), data.data(),
                      static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
        err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
      }
      if (r > 0) {
        data.remove_prefix(static_cast<size_t>(r));
        continue;
      }
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        BERTH_RETURN_IF_ERROR(Wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT));
        continue;
      }
      return absl::UnavailableError("tls write: " + SslErrors());
    }
    return absl::OkStatus();
  }

  // As Go's tls.Conn.CloseWrite under docker's CLI: a close_notify alert,
  // the TCP connection left open for the rest of the output.
  absl::Status CloseWrite() override {
    for (;;) {
      int r, err;
      {
        std::lock_guard lock(mu_);
        r = SSL_shutdown(ssl_.get());
        err = r >= 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
      }
      if (r >= 0) return absl::OkStatus();  // sent; the peer's comes later
      if (err == SSL_ERROR_WANT_WRITE) {
        BERTH_RETURN_IF_ERROR(Wait(POLLOUT));
        continue;
      }
      return absl::UnavailableError("tls close_notify: " + SslErrors());
    }
  }
  void Shutdown() override { ::shutdown(fd_.get(), SHUT_RDWR); }

 private:
  absl::Status Wait(short events) {
    pollfd p{fd_.get(), events, 0};
    for (;;) {
      int r = ::poll(&p, 1, -1);
      if (r >= 0) return absl::OkStatus();  // ready, or hung up: the SSL call says which
      if (errno != EINTR) return ErrnoErrorf(errno, "poll the daemon's connection");
    }
  }

  UniqueFd fd_;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::mutex mu_;
};

absl::StatusOr<UniqueFd> DialUnix(const Endpoint& e) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (e.path.size() >= sizeof addr.sun_path) {
    return absl::InvalidArgumentError("socket path too long: " + e.path);
  }
  std::memcpy(addr.sun_path, e.path.c_str(), e.path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.ok()) return ErrnoErrorf(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return ErrnoErrorf(errno, "dial unix {}", e.path);
  }
  return fd;
}

absl::StatusOr<UniqueFd> DialTcp(const Endpoint& e) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string port = std::to_string(e.port);
  if (int r = ::getaddrinfo(e.host.c_str(), port.c_str(), &hints, &list); r != 0) {
    return absl::UnavailableError(fmt::format("lookup {}: {}", e.host, ::gai_strerror(r)));
  }
  int last_errno = ECONNREFUSED;
  UniqueFd fd;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    UniqueFd candidate(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!candidate.ok()) {
      last_errno = errno;
      continue;
    }
    if (::connect(candidate.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
      fd = std::move(candidate);
      break;
    }
    last_errno = errno;
  }
  ::freeaddrinfo(list);
  if (!fd.ok()) return ErrnoErrorf(last_errno, "dial tcp {}:{}", e.host, e.port);
  return fd;
}

absl::StatusOr<std::unique_ptr<Connection>> WrapTls(UniqueFd fd, const Endpoint& e) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return absl::InternalError("tls: " + SslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  const TlsOptions& t = e.tls;
  if (!t.ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), t.ca.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(fmt::format("tls: CA file {}: {}", t.ca, SslErrors()));
    }
  } else {
    SSL_CTX_set_default_verify_paths(ctx.get());
  }
  if (!t.cert.empty() || !t.key.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), t.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), t.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return absl::InvalidArgumentError(
          fmt::format("tls: client certificate {} / key {}: {}", t.cert, t.key, SslErrors()));
    }
  }
  SSL_CTX_set_verify(ctx.get(), t.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl) return absl::InternalError("tls: " + SslErrors());
  // A daemon that closes TCP without close_notify has ended its output.
  SSL_set_options(ssl.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  // SNI (SSL_set_tlsext_host_name is a macro with a C cast).
  SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(e.host.c_str()));
  if (t.verify) SSL_set1_host(ssl.get(), e.host.c_str());
  BERTH_RETURN_IF_ERROR(SetNonBlocking(fd.get()));
  SSL_set_fd(ssl.get(), fd.get());
  auto conn = std::make_unique<TlsConnection>(std::move(fd), std::move(ctx), std::move(ssl));
  BERTH_RETURN_IF_ERROR(conn->Handshake());
  return conn;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> DialEndpoint(const Endpoint& endpoint) {
  absl::StatusOr<UniqueFd> fd =
      endpoint.kind == Endpoint::Kind::kUnix ? DialUnix(endpoint) : DialTcp(endpoint);
  if (!fd.ok()) return absl::UnavailableError(std::string(fd.status().message()));
  if (endpoint.kind == Endpoint::Kind::kTcp && endpoint.tls.enabled) {
    absl::StatusOr<std::unique_ptr<Connection>> tls = WrapTls(std::move(*fd), endpoint);
    if (!tls.ok()) return absl::UnavailableError(std::string(tls.status().message()));
    return tls;
  }
  return std::make_unique<SocketConnection>(std::move(*fd));
}

}  // namespace berth::cli::client

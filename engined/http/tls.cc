#include "engined/http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <climits>

#include "common/status.h"
#include "engined/http/tls_relay.h"

namespace berth::engined::http {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

// OpenSSL on the socket itself (not Asio's stream, which keeps its own
// buffers), so that a hijacked connection can be handed to a TlsRelay.
class TlsTransport : public Transport {
 public:
  TlsTransport(tcp::socket socket, SSL_CTX* context)
      : socket_(std::move(socket)), ssl_(SSL_new(context)) {}
  ~TlsTransport() override {
    relay_.reset();  // joins the relay before the session it uses goes
    SSL_free(ssl_);
  }

  absl::Status Handshake() override {
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd()) != 1) {
      return Errorf(absl::StatusCode::kInternal, "TLS session: {}", SslErrors());
    }
    SSL_set_mode(ssl_, SSL_MODE_AUTO_RETRY);
    // A client that half-closes TCP without close_notify has ended its
    // input, not broken the session: the output must still reach it.
    SSL_set_options(ssl_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    ERR_clear_error();
    if (SSL_accept(ssl_) != 1) {
      return Errorf(absl::StatusCode::kUnauthenticated, "TLS handshake: {}", SslErrors());
    }
    return absl::OkStatus();
  }
  size_t ReadSome(void* data, size_t n, boost::system::error_code& ec) override {
    ERR_clear_error();
    int got = SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(n, INT_MAX)));
    if (got > 0) {
      ec = {};
      return static_cast<size_t>(got);
    }
    int err = SSL_get_error(ssl_, got);
    bool eof = err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0);
    ec = eof ? boost::system::error_code(asio::error::eof)
             : boost::system::error_code(asio::error::connection_reset);
    return 0;
  }
  bool WriteAll(std::string_view data) override {
    while (!data.empty()) {
      ERR_clear_error();
      int n =
          SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), INT_MAX)));
      if (n <= 0) return false;  // SIGPIPE is ignored by berthd
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  int fd() const override { return const_cast<tcp::socket&>(socket_).native_handle(); }
  absl::StatusOr<UniqueFd> DupForHijack() override {
    if (relay_ != nullptr) return FailedPreconditionf("hijack: the connection is already taken");
    BERTH_ASSIGN_OR_RETURN(relay_, TlsRelay::Start(ssl_, fd()));
    return relay_->TakeHandlerFd();
  }

 private:
  static std::string SslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof(buf));
      if (!out.empty()) out += "; ";
      out += buf;
    }
    return out.empty() ? std::string("connection closed") : out;
  }

  tcp::socket socket_;
  SSL* ssl_;
  std::unique_ptr<TlsRelay> relay_;
};

class TlsListener : public Listener {
 public:
  TlsListener(asio::io_context& io) : acceptor_(io), context_(ssl::context::tls_server) {}

  absl::Status Init(const std::string& host, int port, const TlsFiles& files, int* bound_port) {
    boost::system::error_code ec;
    // docker's TLS floor is 1.2.
    context_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1,
                         ec);
    context_.use_certificate_chain_file(files.cert_file, ec);
    if (ec) return InvalidArgumentf("load TLS certificate {}: {}", files.cert_file, ec.message());
    context_.use_private_key_file(files.key_file, ssl::context::pem, ec);
    if (ec) return InvalidArgumentf("load TLS key {}: {}", files.key_file, ec.message());
    if (!files.ca_file.empty()) {
      context_.load_verify_file(files.ca_file, ec);
      if (ec) return InvalidArgumentf("load TLS CA {}: {}", files.ca_file, ec.message());
      context_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    }
    asio::ip::address address = asio::ip::make_address(host, ec);
    if (ec) return InvalidArgumentf("listen on {}:{}: bad address: {}", host, port, ec.message());
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) BERTH_RETURN_IF_ERROR(SetCloexec(acceptor_.native_handle()));
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) acceptor_.non_blocking(true, ec);
    if (ec)
      return Errorf(absl::StatusCode::kUnavailable, "listen on {}:{}: {}", host, port,
                    ec.message());
    if (bound_port != nullptr) *bound_port = acceptor_.local_endpoint().port();
    name_ = fmt::format("{}:{}", host, acceptor_.local_endpoint().port());
    return absl::OkStatus();
  }

  int fd() override { return acceptor_.native_handle(); }

  absl::StatusOr<std::unique_ptr<Transport>> Accept() override {
    tcp::socket socket(acceptor_.get_executor());
    boost::system::error_code ec;
    acceptor_.accept(socket, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again ||
        ec == asio::error::connection_aborted || ec == asio::error::interrupted) {
      return nullptr;
    }
    if (ec) return Errorf(absl::StatusCode::kUnavailable, "accept on {}: {}", name_, ec.message());
    BERTH_RETURN_IF_ERROR(SetCloexec(socket.native_handle()));
    socket.set_option(tcp::no_delay(true), ec);  // progress chunks go out at once
    return std::unique_ptr<Transport>(
        std::make_unique<TlsTransport>(std::move(socket), context_.native_handle()));
  }

 private:
  tcp::acceptor acceptor_;
  ssl::context context_;
  std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Listener>> CreateTlsListener(asio::io_context& io,
                                                            const std::string& host, int port,
                                                            const TlsFiles& files,
                                                            int* bound_port) {
  auto listener = std::make_unique<TlsListener>(io);
  BERTH_RETURN_IF_ERROR(listener->Init(host, port, files, bound_port));
  return std::unique_ptr<Listener>(std::move(listener));
}

}  // namespace berth::engined::http

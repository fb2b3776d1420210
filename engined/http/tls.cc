#include "engined/http/tls.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "common/status.h"

namespace berth::engined::http {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

class TlsTransport : public Transport {
 public:
  TlsTransport(tcp::socket socket, ssl::context& context) : stream_(std::move(socket), context) {}

  absl::Status Handshake() override {
    boost::system::error_code ec;
    stream_.handshake(ssl::stream_base::server, ec);
    if (ec) return Errorf(absl::StatusCode::kUnauthenticated, "TLS handshake: {}", ec.message());
    return absl::OkStatus();
  }
  size_t ReadSome(void* data, size_t n, boost::system::error_code& ec) override {
    return stream_.read_some(asio::buffer(data, n), ec);
  }
  bool WriteAll(std::string_view data) override {
    boost::system::error_code ec;
    asio::write(stream_, asio::buffer(data.data(), data.size()), ec);
    return !ec;
  }
  int fd() const override {
    return const_cast<ssl::stream<tcp::socket>&>(stream_).lowest_layer().native_handle();
  }
  absl::StatusOr<UniqueFd> DupForHijack() override {
    // The fd carries TLS records; handing it over raw would need a proxy.
    return Errorf(absl::StatusCode::kUnimplemented,
                  "hijack over a TLS connection is not supported");
  }

 private:
  ssl::stream<tcp::socket> stream_;
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
    return std::unique_ptr<Transport>(std::make_unique<TlsTransport>(std::move(socket), context_));
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

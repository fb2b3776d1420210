// The TLS listener with client verification, against certificates made
// here with OpenSSL's C API and a client written with it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <catch2/catch.hpp>
#include <memory>

#include "tests/testutil/status_testing.h"
#include "tests/testutil/test_pki.h"
#include "tests/unit/engined/http/raw_client.h"

namespace berth::engined::http::testing {
namespace {

// A TLS client written with OpenSSL: verifies the server against the
// test CA, presents the client certificate when asked to.
class TlsClient {
 public:
  TlsClient(int port, const berth::testing::TestPki& pki, bool present_cert)
      : ctx_(SSL_CTX_new(TLS_client_method()), SSL_CTX_free), ssl_(nullptr, SSL_free) {
    REQUIRE(ctx_ != nullptr);
    REQUIRE(SSL_CTX_load_verify_locations(ctx_.get(), pki.ca.c_str(), nullptr) == 1);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    if (present_cert) {
      REQUIRE(SSL_CTX_use_certificate_file(ctx_.get(), pki.client_cert.c_str(), SSL_FILETYPE_PEM) ==
              1);
      REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_.get(), pki.client_key.c_str(), SSL_FILETYPE_PEM) ==
              1);
    }
    fd_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd_.ok());
    struct timeval tv = {10, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0);
    ssl_.reset(SSL_new(ctx_.get()));
    REQUIRE(ssl_ != nullptr);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), "127.0.0.1");
    SSL_set_fd(ssl_.get(), fd_.get());
  }

  bool Handshake() { return SSL_connect(ssl_.get()) == 1; }
  bool Write(const std::string& data) {
    return SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())) > 0;
  }
  // close_notify, as Go's tls.Conn.CloseWrite (docker's stdin EOF).
  void CloseWrite() { SSL_shutdown(ssl_.get()); }
  // Everything until the server closes.
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    while (true) {
      int n = SSL_read(ssl_.get(), buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ERR_clear_error();
    return out;
  }

 private:
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx_;
  std::unique_ptr<SSL, void (*)(SSL*)> ssl_;
  UniqueFd fd_;
};

// One request over TLS: everything read until the server closes, or
// "error: ..." (no Catch macros past setup).
std::string TlsExchange(int port, const berth::testing::TestPki& pki, bool present_cert,
                        const std::string& request) {
  TlsClient client(port, pki, present_cert);
  if (!client.Handshake()) return "error: handshake";
  if (!client.Write(request)) return "error: write";
  std::string out = client.ReadAll();
  return out.empty() ? "error: no response" : out;
}

TEST_CASE("TLS listener serves verified clients and refuses others", "[http]") {
  berth::testing::TestPki pki;
  Router router;
  router.Add("GET", "/_ping", [](Request&, ResponseWriter& w) { w.Body(200, "text/plain", "OK"); });
  router.Add("GET", "/events", [](Request&, ResponseWriter& w) {
    w.BeginStream(200, "application/json");
    w.Write("{\"a\":1}\n");
    w.Write("{\"b\":2}\n");
  });
  Server server(router, ServerOptions{});
  int port = 0;
  REQUIRE_OK(server.ListenTcpTls("127.0.0.1", 0, pki.server_cert, pki.server_key, pki.ca, &port));
  REQUIRE(port > 0);
  REQUIRE_OK(server.Start());

  std::string ok = TlsExchange(port, pki, true, Get("/_ping", "Connection: close\r\n"));
  INFO(ok);
  CHECK(ok.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(ok.substr(ok.size() - 6) == "\r\n\r\nOK");

  std::string stream = TlsExchange(port, pki, true, Get("/events", "Connection: close\r\n"));
  CHECK(stream.find("8\r\n{\"a\":1}\n\r\n8\r\n{\"b\":2}\n\r\n0\r\n\r\n") != std::string::npos);

  std::string refused = TlsExchange(port, pki, false, Get("/_ping", "Connection: close\r\n"));
  INFO(refused);
  CHECK(refused.find("200 OK") == std::string::npos);
  CHECK(refused.rfind("error: ", 0) == 0);

  CHECK(!server.ListenTcpTls("127.0.0.1", 0, pki.dir.Sub("missing.pem"), pki.server_key, "").ok());
}

TEST_CASE("TLS listener without a CA serves clients without certificates", "[http]") {
  berth::testing::TestPki pki;
  Router router;
  router.Add("GET", "/_ping", [](Request&, ResponseWriter& w) { w.Body(200, "text/plain", "OK"); });
  Server server(router, ServerOptions{});
  int port = 0;
  REQUIRE_OK(server.ListenTcpTls("127.0.0.1", 0, pki.server_cert, pki.server_key, "", &port));
  REQUIRE_OK(server.Start());
  std::string ok = TlsExchange(port, pki, false, Get("/_ping", "Connection: close\r\n"));
  INFO(ok);
  CHECK(ok.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("a hijacked TLS connection relays both ways with half-closes", "[http]") {
  berth::testing::TestPki pki;
  Router router;
  // Echoes what the client sends until its close_notify, then a summary;
  // the relay must turn the close_notify into EOF here and our close into
  // the end of the client's stream.
  router.Add("POST", "/hijack", [](Request&, ResponseWriter& w) {
    absl::StatusOr<Hijacked> conn = w.Hijack("application/vnd.docker.raw-stream");
    REQUIRE(conn.ok());
    std::string got = conn->buffered;
    char buf[4096];
    while (true) {
      ssize_t n = ::read(conn->fd.get(), buf, sizeof(buf));
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    std::string reply = "got " + std::to_string(got.size()) + ": " + got.substr(0, 16);
    REQUIRE(::write(conn->fd.get(), reply.data(), reply.size()) ==
            static_cast<ssize_t>(reply.size()));
  });
  Server server(router, ServerOptions{});
  int port = 0;
  REQUIRE_OK(server.ListenTcpTls("127.0.0.1", 0, pki.server_cert, pki.server_key, pki.ca, &port));
  REQUIRE_OK(server.Start());

  TlsClient client(port, pki, true);
  REQUIRE(client.Handshake());
  // More than the relay's 64 KiB window, so both sides must flow.
  std::string input(200 * 1024, 'x');
  input.replace(0, 5, "hello");
  REQUIRE(client.Write(std::string("POST /hijack HTTP/1.1\r\nHost: docker\r\n"
                                   "Upgrade: tcp\r\nConnection: Upgrade\r\n\r\n") +
                       input));
  client.CloseWrite();
  std::string out = client.ReadAll();
  INFO(out.substr(0, 300));
  CHECK(out.rfind("HTTP/1.1 101 UPGRADED\r\n", 0) == 0);
  CHECK(out.find("\r\n\r\ngot 204800: helloxxxxxxxxxxx") != std::string::npos);
  CHECK(out.substr(out.size() - 16) == "helloxxxxxxxxxxx");
}

}  // namespace
}  // namespace berth::engined::http::testing

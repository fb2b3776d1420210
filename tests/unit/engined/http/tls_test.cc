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
#include "tests/testutil/temp_dir.h"
#include "tests/unit/engined/http/raw_client.h"

namespace berth::engined::http::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key NewKey() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key != nullptr);
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext != nullptr);
  REQUIRE(X509_add_ext(cert, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, signed by issuer (self-signed when null).
Cert NewCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
             long serial) {
  Cert cert(X509_new());
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  REQUIRE(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1);
  if (ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
  } else {
    AddExtension(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1");
  }
  REQUIRE(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0);
  return cert;
}

void WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  REQUIRE(bio != nullptr);
  if (cert != nullptr) REQUIRE(PEM_write_bio_X509(bio, cert) == 1);
  if (key != nullptr) {
    REQUIRE(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  }
  BIO_free(bio);
}

// A CA, a server certificate for 127.0.0.1 and a client certificate.
struct Pki {
  berth::testing::TempDir dir;
  std::string ca = dir.Sub("ca.pem");
  std::string server_cert = dir.Sub("server-cert.pem");
  std::string server_key = dir.Sub("server-key.pem");
  std::string client_cert = dir.Sub("cert.pem");
  std::string client_key = dir.Sub("key.pem");

  Pki() {
    Key ca_key = NewKey();
    Cert ca_cert = NewCert(ca_key.get(), "berth test CA", nullptr, nullptr, true, 1);
    WritePem(ca, ca_cert.get(), nullptr);
    Key skey = NewKey();
    Cert scert = NewCert(skey.get(), "berthd", ca_cert.get(), ca_key.get(), false, 2);
    WritePem(server_cert, scert.get(), nullptr);
    WritePem(server_key, nullptr, skey.get());
    Key ckey = NewKey();
    Cert ccert = NewCert(ckey.get(), "client", ca_cert.get(), ca_key.get(), false, 3);
    WritePem(client_cert, ccert.get(), nullptr);
    WritePem(client_key, nullptr, ckey.get());
  }
};

// One request over TLS, verifying the server against `ca`; everything
// read until the server closes, or "error: ..." (no Catch macros past setup).
std::string TlsExchange(int port, const Pki& pki, bool present_cert, const std::string& request) {
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  REQUIRE(ctx != nullptr);
  REQUIRE(SSL_CTX_load_verify_locations(ctx.get(), pki.ca.c_str(), nullptr) == 1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (present_cert) {
    REQUIRE(SSL_CTX_use_certificate_file(ctx.get(), pki.client_cert.c_str(), SSL_FILETYPE_PEM) ==
            1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx.get(), pki.client_key.c_str(), SSL_FILETYPE_PEM) == 1);
  }
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.ok());
  struct timeval tv = {10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0);
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(ctx.get()), SSL_free);
  REQUIRE(ssl != nullptr);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
  SSL_set_fd(ssl.get(), fd.get());
  if (SSL_connect(ssl.get()) != 1) return "error: handshake";
  if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <= 0) {
    return "error: write";
  }
  std::string out;
  char buf[4096];
  while (true) {
    int n = SSL_read(ssl.get(), buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ERR_clear_error();
  return out.empty() ? "error: no response" : out;
}

TEST_CASE("TLS listener serves verified clients and refuses others", "[http]") {
  Pki pki;
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
  Pki pki;
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

}  // namespace
}  // namespace berth::engined::http::testing

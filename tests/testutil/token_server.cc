#include "tests/testutil/token_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/str_split.h"
#include "common/file_util.h"
#include "tests/testutil/registry_server.h"

namespace berth::testing {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// JWS's base64url without padding.
std::string Base64Url(std::string_view data) {
  std::string out = Base64(data);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// "repository:berth/busybox:pull,push" -> an access claim entry.
nlohmann::json Access(const std::string& scope) {
  size_t first = scope.find(':');
  size_t last = scope.rfind(':');
  if (first == std::string::npos || first == last) return nullptr;
  nlohmann::json actions = nlohmann::json::array();
  for (absl::string_view a : absl::StrSplit(scope.substr(last + 1), ',')) {
    actions.push_back(std::string(a));
  }
  return {{"type", scope.substr(0, first)},
          {"name", scope.substr(first + 1, last - first - 1)},
          {"actions", actions}};
}

void SendResponse(int fd, int code, const std::string& reason, const std::string& body,
                  const std::string& extra_headers = "") {
  std::string response = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
      "Connection: close\r\n{}\r\n{}",
      code, reason, body.size(), extra_headers, body);
  ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
}

}  // namespace

TokenServer::TokenServer() {
  // A self-signed RSA certificate: the registry's rootcertbundle, and the
  // key every token is signed with.
  PkeyPtr key(EVP_RSA_gen(2048));
  REQUIRE(key);
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(kIssuer), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);

  BioPtr pem(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509(pem.get(), cert.get()) == 1);
  REQUIRE(WriteFile(cert_bundle(), BioText(pem.get())).ok());
  BioPtr key_pem(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1);
  key_pem_ = BioText(key_pem.get());
  unsigned char* der = nullptr;
  int der_size = i2d_X509(cert.get(), &der);
  REQUIRE(der_size > 0);
  cert_der_.assign(reinterpret_cast<char*>(der), static_cast<size_t>(der_size));
  OPENSSL_free(der);

  listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port_ = ntohs(addr.sin_port);
  REQUIRE(::listen(listener_.get(), 64) == 0);
  thread_ = std::thread([this] { Serve(); });
}

TokenServer::~TokenServer() {
  stopping_ = true;
  ::shutdown(listener_.get(), SHUT_RDWR);
  thread_.join();
}

std::string TokenServer::realm() const { return fmt::format("http://127.0.0.1:{}/token", port_); }

std::vector<std::string> TokenServer::scopes_seen() {
  std::lock_guard lock(mu_);
  return scopes_;
}

void TokenServer::Serve() {
  while (!stopping_) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    UniqueFd conn(fd);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    Answer(fd);
  }
}

void TokenServer::Answer(int fd) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 64 * 1024) {
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    request.append(buffer, static_cast<size_t>(n));
  }
  std::vector<std::string> lines =
      absl::StrSplit(request.substr(0, request.find("\r\n\r\n")), "\r\n");
  std::vector<std::string> start = absl::StrSplit(lines[0], ' ');
  if (start.size() != 3 || start[0] != "GET" || start[1].rfind("/token", 0) != 0) {
    SendResponse(fd, 404, "Not Found", R"({"errors":[{"message":"no such path"}]})");
    return;
  }
  std::string authorization;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string lower = lines[i];
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("authorization:", 0) == 0) {
      authorization = lines[i].substr(lines[i].find(':') + 1);
      while (!authorization.empty() && authorization.front() == ' ') authorization.erase(0, 1);
    }
  }
  const std::string expected =
      "Basic " + Base64(std::string(kRegistryUser) + ":" + kRegistryPassword);
  if (authorization != expected) {
    ++refused_;
    SendResponse(fd, 401, "Unauthorized", R"({"details":"bad or missing credentials"})",
                 "WWW-Authenticate: Basic realm=\"berth-token\"\r\n");
    return;
  }
  std::string service;
  nlohmann::json access = nlohmann::json::array();
  std::string query =
      start[1].find('?') == std::string::npos ? "" : start[1].substr(start[1].find('?') + 1);
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::string value =
        eq == absl::string_view::npos ? "" : UrlDecode(std::string(pair.substr(eq + 1)));
    if (key == "service") service = value;
    if (key == "scope") {
      {
        std::lock_guard lock(mu_);
        scopes_.push_back(value);
      }
      nlohmann::json entry = Access(value);
      if (!entry.is_null()) access.push_back(entry);
    }
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  nlohmann::json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", {Base64(cert_der_)}}};
  nlohmann::json claims = {{"iss", kIssuer},
                           {"sub", kRegistryUser},
                           {"aud", service},
                           {"exp", now + 300},
                           {"nbf", now - 10},
                           {"iat", now},
                           {"jti", fmt::format("berth-{}-{}", now, port_)},
                           {"access", access}};
  std::string signing_input = Base64Url(header.dump()) + "." + Base64Url(claims.dump());

  BioPtr key_bio(BIO_new_mem_buf(key_pem_.data(), static_cast<int>(key_pem_.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_size = 0;
  std::string signature;
  if (!key || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    SendResponse(fd, 500, "Internal Server Error", R"({"details":"signing failed"})");
    return;
  }
  signature.resize(sig_size);
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &sig_size,
                 reinterpret_cast<const unsigned char*>(signing_input.data()),
                 signing_input.size());
  signature.resize(sig_size);
  std::string token = signing_input + "." + Base64Url(signature);
  nlohmann::json body = {{"token", token}, {"access_token", token}, {"expires_in", 300}};
  SendResponse(fd, 200, "OK", body.dump());
}

}  // namespace berth::testing

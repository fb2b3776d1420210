#include "containerd/core/registry/certs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/file_util.h"
#include "common/strings.h"
#include "containerd/core/registry/http.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_pki.h"

namespace berth::containerd::registry {
namespace {

using testing::TempDir;
using testing::TestPki;
using testing::ValueOrFail;

constexpr char kHost[] = "registry.test:5000";

void Copy(const std::string& from, const std::string& to) {
  REQUIRE(WriteFile(to, ValueOrFail(ReadFile(from))).ok());
}

// The error LoadHostTls gives for `certs`, which must be one.
std::string LoadError(const std::string& certs) {
  absl::StatusOr<std::optional<HostTls>> r = LoadHostTls(certs, kHost);
  REQUIRE_FALSE(r.ok());
  CHECK(absl::IsFailedPrecondition(r.status()));
  return std::string(r.status().message());
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST_CASE("registry certs dir: hosts without a directory have no TLS settings",
          "[registry][certs]") {
  TempDir tmp("berth-certs");
  CHECK_FALSE(ValueOrFail(LoadHostTls("", kHost)).has_value());
  CHECK_FALSE(ValueOrFail(LoadHostTls(tmp.Sub("missing"), kHost)).has_value());
  CHECK_FALSE(ValueOrFail(LoadHostTls(tmp.path(), kHost)).has_value());
  CHECK_FALSE(HasHostCertsDir(tmp.path(), kHost));
  CHECK_FALSE(HasHostCertsDir("", kHost));
  // Names that are not one path component never reach outside the dir.
  REQUIRE(MkdirAll(tmp.Sub("a/b")).ok());
  CHECK_FALSE(HasHostCertsDir(tmp.path(), "a/b"));
  CHECK_FALSE(HasHostCertsDir(tmp.path(), ".."));
  CHECK_FALSE(ValueOrFail(LoadHostTls(tmp.path(), "a/b")).has_value());
  CHECK(HostCertsDir("/etc/berth/certs.d", kHost) == "/etc/berth/certs.d/registry.test:5000");
  CHECK(HostCertsDir("", kHost).empty());

  // An empty directory: TLS with the system CAs only.
  REQUIRE(MkdirAll(tmp.Sub(kHost)).ok());
  CHECK(HasHostCertsDir(tmp.path(), kHost));
  std::optional<HostTls> tls = ValueOrFail(LoadHostTls(tmp.path(), kHost));
  REQUIRE(tls.has_value());
  CHECK(tls->dir == tmp.Sub(kHost));
  CHECK(tls->ca_files.empty());
  CHECK(tls->ca_pem.empty());
  CHECK(tls->client_cert.empty());
}

TEST_CASE("registry certs dir: reads CAs and the client certificate pair", "[registry][certs]") {
  TestPki pki;
  TestPki other("another CA");
  TempDir tmp("berth-certs");
  const std::string dir = tmp.Sub(kHost);
  REQUIRE(MkdirAll(dir).ok());
  Copy(pki.ca, dir + "/b-ca.crt");
  // A link to a CA elsewhere counts, as docker follows them.
  REQUIRE(::symlink(other.ca.c_str(), (dir + "/a-other.crt").c_str()) == 0);
  Copy(pki.client_cert, dir + "/client.cert");
  Copy(pki.client_key, dir + "/client.key");
  REQUIRE(WriteFile(dir + "/README", "not a certificate").ok());  // ignored
  REQUIRE(MkdirAll(dir + "/sub.crt").ok());                       // not a file: ignored

  std::optional<HostTls> tls = ValueOrFail(LoadHostTls(tmp.path(), kHost));
  REQUIRE(tls.has_value());
  REQUIRE(tls->ca_files.size() == 2);
  CHECK(tls->ca_files[0] == dir + "/a-other.crt");
  CHECK(tls->ca_files[1] == dir + "/b-ca.crt");
  CHECK(tls->ca_pem.find("-----BEGIN CERTIFICATE-----") == 0);
  CHECK(tls->ca_pem.find("-----BEGIN CERTIFICATE-----", 10) != std::string::npos);
  CHECK(tls->client_cert == dir + "/client.cert");
  CHECK(tls->client_key == dir + "/client.key");

  // A .crt may carry other PEM blocks around its certificates.
  REQUIRE(WriteFile(dir + "/b-ca.crt", "# comment\n" + ValueOrFail(ReadFile(pki.client_key)) +
                                           ValueOrFail(ReadFile(pki.ca)))
              .ok());
  tls = ValueOrFail(LoadHostTls(tmp.path(), kHost));
  REQUIRE(tls.has_value());
  CHECK(tls->ca_files.size() == 2);
  CHECK(tls->ca_pem.find("PRIVATE KEY") == std::string::npos);

  // The host's directory makes it HTTPS, loopback or not.
  const std::string loopback = "127.0.0.1:5999";
  HttpOptions options;
  options.certs_dir = tmp.path();
  options.insecure_hosts = {kHost};
  CHECK(HttpClient(options).SchemeFor(loopback) == "http");
  CHECK(HttpClient(options).SchemeFor(kHost) == "https");
  REQUIRE(MkdirAll(tmp.Sub(loopback)).ok());
  CHECK(HttpClient(options).SchemeFor(loopback) == "https");
  CHECK(HttpClient(options).SchemeFor("127.0.0.1:6000") == "http");
}

TEST_CASE("registry certs dir: bad files are errors naming the host and the file",
          "[registry][certs]") {
  TestPki pki;
  TempDir tmp("berth-certs");
  const std::string dir = tmp.Sub(kHost);
  REQUIRE(MkdirAll(dir).ok());

  SECTION("a .crt without a certificate") {
    REQUIRE(WriteFile(dir + "/ca.crt", "hello\n").ok());
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, kHost));
    CHECK(Contains(e, dir + "/ca.crt"));
    CHECK(Contains(e, "no PEM certificate"));
  }
  SECTION("a .crt with a malformed certificate") {
    REQUIRE(WriteFile(dir + "/ca.crt",
                      "-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n")
                .ok());
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, dir + "/ca.crt"));
    CHECK(Contains(e, "bad PEM certificate"));
  }
  SECTION("a .cert without its .key") {
    Copy(pki.client_cert, dir + "/client.cert");
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, kHost));
    CHECK(Contains(e, dir + "/client.cert"));
    CHECK(Contains(e, "missing key " + dir + "/client.key"));
  }
  SECTION("a .key without its .cert") {
    Copy(pki.client_key, dir + "/client.key");
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, dir + "/client.key"));
    CHECK(Contains(e, "missing client certificate " + dir + "/client.cert"));
  }
  SECTION("a key that belongs to another certificate") {
    Copy(pki.client_cert, dir + "/client.cert");
    Copy(pki.server_key, dir + "/client.key");
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, dir + "/client.key"));
    CHECK(Contains(e, "does not belong to the certificate in " + dir + "/client.cert"));
  }
  SECTION("a key file without a key") {
    Copy(pki.client_cert, dir + "/client.cert");
    Copy(pki.client_cert, dir + "/client.key");
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, dir + "/client.key"));
    CHECK(Contains(e, "no usable PEM private key"));
  }
  SECTION("a .cert that is not a certificate") {
    REQUIRE(WriteFile(dir + "/client.cert", "junk").ok());
    Copy(pki.client_key, dir + "/client.key");
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, dir + "/client.cert"));
  }
  SECTION("a file where the host's directory should be") {
    REQUIRE(RemoveAll(dir).ok());
    REQUIRE(WriteFile(dir, "").ok());
    std::string e = LoadError(tmp.path());
    CHECK(Contains(e, dir + ": not a directory"));
  }
  if (::geteuid() != 0) {
    SECTION("an unreadable CA file") {
      Copy(pki.ca, dir + "/ca.crt");
      REQUIRE(::chmod((dir + "/ca.crt").c_str(), 0) == 0);
      std::string e = LoadError(tmp.path());
      CHECK(Contains(e, dir + "/ca.crt"));
    }
  }
}

TEST_CASE("registry certs dir: HttpClient reports a bad entry before connecting",
          "[registry][certs]") {
  TempDir tmp("berth-certs");
  const std::string host = "127.0.0.1:1";  // nothing listens: the entry fails first
  REQUIRE(MkdirAll(tmp.Sub(host)).ok());
  REQUIRE(WriteFile(tmp.Sub(host) + "/ca.crt", "hello\n").ok());
  HttpOptions options;
  options.certs_dir = tmp.path();
  HttpClient client(options);
  HttpRequest request;
  request.url = client.SchemeFor(host) + "://" + host + "/v2/";
  CHECK(request.url == "https://" + host + "/v2/");
  absl::StatusOr<HttpResponse> r = client.Do(request);
  REQUIRE_FALSE(r.ok());
  CHECK(absl::IsFailedPrecondition(r.status()));
  CHECK(Contains(std::string(r.status().message()), tmp.Sub(host) + "/ca.crt"));
}

}  // namespace
}  // namespace berth::containerd::registry

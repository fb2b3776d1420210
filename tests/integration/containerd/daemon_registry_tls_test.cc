// Push and pull through berth-containerd to registries that serve HTTPS
// with a private CA: Debian's docker-registry on 127.0.0.1 with http.tls
// (and http.tls.clientcas for mutual TLS), trusted through the daemon's
// registry_certs_dir in docker's certs.d layout. The certs dir is read per
// call, so the tests change it without restarting the daemon.
#include <catch2/catch.hpp>
#include <csignal>

#include "common/file_util.h"
#include "tests/integration/containerd/image_helpers.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/registry_server.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/test_pki.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

void Copy(const std::string& from, const std::string& to) {
  REQUIRE(WriteFile(to, ValueOrFail(ReadFile(from))).ok());
}

// Restarts the daemon with `certs` as its registry_certs_dir and an empty
// directory there for `host` (the registry speaks TLS); returns that
// directory.
std::string UseCertsDir(DaemonFixture& f, const std::string& host) {
  const std::string certs = f.Path("certs.d");
  const std::string dir = certs + "/" + host;
  REQUIRE(MkdirAll(dir).ok());
  f.StopDaemon(SIGTERM);
  f.SetConfig("registry_certs_dir", "\"" + certs + "\"");
  f.StartDaemon();
  return dir;
}

// A two-layer image imported into the daemon; its name there.
std::string ImportSample(DaemonFixture& f) {
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(2);
  REQUIRE(testimage::CreateOciArchive(f.Path("image.tar"), options).ok());
  grpc::Status s;
  std::vector<ctrpb::Image> imported = ImportTarball(f, f.Path("image.tar"), &s);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(imported.size() == 1);
  return imported[0].name();
}

// Pulls `remote` afresh (after forgetting `name` and every blob) and runs
// a file of the image.
void PullAndRun(DaemonFixture& f, const std::string& name, const std::string& remote,
                const std::string& id) {
  ForgetImage(f, name);
  PullOutcome pulled = PullImage(f, remote, /*unpack=*/true);
  INFO(pulled.status.error_message());
  REQUIRE(pulled.status.ok());
  CHECK(pulled.last.image().name() == remote);
  std::string log;
  CHECK(RunOn(f, id, pulled.last.chain_id(), {"cat", "/opt/berth/a.txt"}, &log) == 0);
  CHECK_FALSE(log.empty());
}

TEST_CASE("push and pull over HTTPS with the registry's CA in the certs dir",
          "[containerd][pull][tls]") {
  DaemonFixture f;
  TestPki pki;
  RegistryServer registry(RegistryTls{pki.server_cert, pki.server_key, {}});
  const std::string remote = registry.host() + "/berth/tls:v1";
  const std::string name = ImportSample(f);

  // Without a directory for it, a loopback registry is spoken to in plain
  // HTTP, which this one refuses.
  grpc::Status s = PushImage(f, name, remote);
  CHECK_FALSE(s.ok());

  // With one but without the CA, the system CAs do not vouch for the
  // registry's certificate.
  const std::string dir = UseCertsDir(f, registry.host());
  s = PushImage(f, name, remote);
  INFO(s.error_message());
  CHECK(s.error_code() == StatusCode::UNAVAILABLE);
  CHECK(Contains(s.error_message(),
                 "TLS certificate verification failed for registry " + registry.host()));
  CHECK(Contains(s.error_message(), dir + "/ca.crt"));

  // Another CA does not either, and the message says what was trusted.
  TestPki other("another CA");
  Copy(other.ca, dir + "/other.crt");
  s = PushImage(f, name, remote);
  CHECK(s.error_code() == StatusCode::UNAVAILABLE);
  CHECK(Contains(s.error_message(), "certificate"));
  CHECK(Contains(s.error_message(), dir + "/other.crt"));

  // With the registry's CA added, push and pull go through.
  Copy(pki.ca, dir + "/ca.crt");
  s = PushImage(f, name, remote);
  INFO(s.error_message());
  REQUIRE(s.ok());
  PullAndRun(f, name, remote, "tls");

  // A broken file in the directory fails the call, naming it.
  REQUIRE(WriteFile(dir + "/broken.crt", "not a certificate\n").ok());
  PullOutcome broken = PullImage(f, remote, /*unpack=*/false);
  CHECK(broken.status.error_code() == StatusCode::FAILED_PRECONDITION);
  CHECK(Contains(broken.status.error_message(), registry.host()));
  CHECK(Contains(broken.status.error_message(), dir + "/broken.crt"));
}

TEST_CASE("a registry that requires client certificates gets the certs dir's .cert and .key",
          "[containerd][pull][tls]") {
  DaemonFixture f;
  TestPki pki;
  RegistryServer registry(RegistryTls{pki.server_cert, pki.server_key, {pki.ca}});
  const std::string remote = registry.host() + "/berth/mtls:v1";
  const std::string name = ImportSample(f);
  const std::string dir = UseCertsDir(f, registry.host());
  Copy(pki.ca, dir + "/ca.crt");

  // The registry's certificate is trusted, but it wants one from us.
  grpc::Status s = PushImage(f, name, remote);
  INFO(s.error_message());
  CHECK(s.error_code() == StatusCode::UNAVAILABLE);
  CHECK(Contains(s.error_message(), "TLS with registry " + registry.host() + " failed"));
  CHECK(Contains(s.error_message(), "no client certificate"));

  // A certificate without its key is refused before any connection.
  Copy(pki.client_cert, dir + "/client.cert");
  s = PushImage(f, name, remote);
  CHECK(s.error_code() == StatusCode::FAILED_PRECONDITION);
  CHECK(Contains(s.error_message(), registry.host()));
  CHECK(Contains(s.error_message(), "missing key " + dir + "/client.key"));

  Copy(pki.client_key, dir + "/client.key");
  s = PushImage(f, name, remote);
  INFO(s.error_message());
  REQUIRE(s.ok());
  PullAndRun(f, name, remote, "mtls");
}

}  // namespace
}  // namespace berth::testing

// berthd on tcp:// with --tlsverify, driven by the docker CLI and by berth
// with client certificates: plain requests, and the hijacked streams of
// run -i, exec -i and attach relayed over TLS with stdin's end carried
// through.
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"
#include "tests/testutil/test_pki.h"

namespace berth::testing {
namespace {

// A loopback port nobody listens on right now (the kernel's pick).
int FreeLoopbackPort() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.ok());
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), &len) == 0);
  return ntohs(addr.sin_port);
}

struct TlsBerthd {
  TestPki pki;
  std::string host = "tcp://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  BerthdFixture berthd{std::vector<std::string>{"-H", host, "--tlsverify", "--tlscacert", pki.ca,
                                                "--tlscert", pki.server_cert, "--tlskey",
                                                pki.server_key}};

  // The client flags both CLIs take, with or without a client certificate.
  std::vector<std::string> Flags(bool with_cert = true) const {
    std::vector<std::string> flags = {"--tlsverify", "--tlscacert", pki.ca};
    if (with_cert) {
      flags.insert(flags.end(), {"--tlscert", pki.client_cert, "--tlskey", pki.client_key});
    }
    flags.insert(flags.end(), {"-H", host});
    return flags;
  }
};

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_CASE("the docker CLI drives berthd over TCP with TLS, hijacked streams included",
          "[berthd][tls]") {
  if (BerthdFixture::DockerCli().empty()) Skip("the docker CLI is not installed (/usr/bin/docker)");
  TlsBerthd t;

  SpawnResult version =
      t.berthd.Docker(Concat(t.Flags(), {"version", "--format", "{{.Server.Os}}"}));
  INFO(version.out << version.err);
  REQUIRE(version.status.success());
  CHECK(version.out == "linux\n");

  // A client without a certificate is refused during the handshake.
  SpawnResult refused = t.berthd.Docker(Concat(t.Flags(false), {"version"}));
  CHECK_FALSE(refused.status.success());
  CHECK(refused.out.find("Server:") == std::string::npos);

  // run -i: stdin goes in over TLS, its end reaches cat, the output and
  // the exit code come back.
  std::string input = "over tls\n" + std::string(100000, 'y') + "\n";
  SpawnResult run = t.berthd.Docker(
      Concat(t.Flags(), {"run", "--rm", "-i", "busybox", "sh", "-c", "wc -c; echo done; exit 3"}),
      input);
  INFO(run.out << run.err);
  CHECK(run.status.code == 3);
  CHECK(run.out == std::to_string(input.size()) + "\ndone\n");

  SpawnResult started = t.berthd.Docker(
      Concat(t.Flags(), {"run", "-d", "--name", "tls-sleeper", "busybox", "sleep", "60"}));
  INFO(started.err);
  REQUIRE(started.status.success());

  SpawnResult exec = t.berthd.Docker(
      Concat(t.Flags(), {"exec", "-i", "tls-sleeper", "sh", "-c", "tr a-z A-Z"}), "shout\n");
  INFO(exec.out << exec.err);
  CHECK(exec.status.success());
  CHECK(exec.out == "SHOUT\n");

  // attach with stdin: the container's read gets the line, its echo comes
  // back on the attached stream and its exit ends the attach.
  SpawnResult reader =
      t.berthd.Docker(Concat(t.Flags(), {"run", "-d", "-i", "--name", "tls-reader", "busybox", "sh",
                                         "-c", "read line; echo got $line; exit 5"}));
  REQUIRE(reader.status.success());
  SpawnResult attach = t.berthd.Docker(Concat(t.Flags(), {"attach", "tls-reader"}), "hello\n");
  INFO(attach.out << attach.err);
  CHECK(attach.out == "got hello\n");
  CHECK(attach.status.code == 5);
  SpawnResult logs = t.berthd.Docker(Concat(t.Flags(), {"logs", "tls-reader"}));
  CHECK(logs.out == "got hello\n");
}

TEST_CASE("berth drives berthd over TCP with TLS, hijacked streams included", "[berthd][tls]") {
  TlsBerthd t;

  SpawnResult ps = t.berthd.Berth(Concat(t.Flags(), {"ps", "-a", "--format", "{{.Names}}"}));
  INFO(ps.err);
  REQUIRE(ps.status.success());
  CHECK(ps.out.empty());

  SpawnResult refused = t.berthd.Berth(Concat(t.Flags(false), {"ps"}));
  CHECK_FALSE(refused.status.success());
  CHECK_FALSE(refused.err.empty());

  std::string input = "over tls\n" + std::string(100000, 'z') + "\n";
  SpawnResult run = t.berthd.Berth(
      Concat(t.Flags(), {"run", "--rm", "-i", "busybox", "sh", "-c", "wc -c; echo done; exit 4"}),
      input);
  INFO(run.out << run.err);
  CHECK(run.status.code == 4);
  CHECK(run.out == std::to_string(input.size()) + "\ndone\n");

  SpawnResult started = t.berthd.Berth(
      Concat(t.Flags(), {"run", "-d", "--name", "tls-sleeper", "busybox", "sleep", "60"}));
  INFO(started.err);
  REQUIRE(started.status.success());
  SpawnResult exec = t.berthd.Berth(
      Concat(t.Flags(), {"exec", "-i", "tls-sleeper", "sh", "-c", "tr a-z A-Z; echo err >&2"}),
      "shout\n");
  INFO(exec.out << exec.err);
  CHECK(exec.status.success());
  CHECK(exec.out == "SHOUT\n");
  CHECK(exec.err == "err\n");
}

}  // namespace
}  // namespace berth::testing

#include "tests/testutil/registry_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/unique_fd.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

constexpr char kRegistryBinary[] = "/usr/bin/docker-registry";
// bcrypt (cost 4, so each request's check is cheap) of kRegistryPassword.
constexpr char kHtpasswd[] = "berth:$2b$04$u2nblto.VGnrpA1TbUo0xuwirviX9oO..5WafskHakiGSP7y9wt06\n";

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

int FreePort() {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = Loopback(0);
  REQUIRE(::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(s.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  return ntohs(addr.sin_port);
}

bool Accepting(int port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = Loopback(port);
  return ::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

}  // namespace

RegistryServer::RegistryServer(bool basic_auth) {
  if (::access(kRegistryBinary, X_OK) != 0) {
    Skip("docker-registry is not installed (scripts/install-deps.sh)");
  }
  port_ = FreePort();
  std::string config = fmt::format(R"(version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{}
)",
                                   storage(), port_);
  if (basic_auth) {
    REQUIRE(WriteFile(tmp_.Sub("htpasswd"), kHtpasswd).ok());
    config += fmt::format("auth:\n  htpasswd:\n    realm: berth-test\n    path: {}\n",
                          tmp_.Sub("htpasswd"));
  }
  REQUIRE(WriteFile(tmp_.Sub("config.yml"), config).ok());
  SpawnOptions o;
  o.argv = {kRegistryBinary, "serve", tmp_.Sub("config.yml")};
  o.env = std::vector<std::string>{"PATH=/usr/bin:/bin"};
  absl::StatusOr<ScopedPid> pid = Spawn(o);
  REQUIRE(pid.ok());
  pid_ = *std::move(pid);
  for (int i = 0; i < 200 && !Accepting(port_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO("docker-registry did not start on " << host());
  REQUIRE(Accepting(port_));
}

std::string RegistryServer::host() const { return fmt::format("127.0.0.1:{}", port_); }

std::string RegistryServer::BlobDataPath(const std::string& hex) const {
  return fmt::format("{}/docker/registry/v2/blobs/sha256/{}/{}/data", storage(), hex.substr(0, 2),
                     hex);
}

}  // namespace berth::testing

#include "tests/testutil/registry_server.h"

#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

// bcrypt (cost 4, so each request's check is cheap) of kRegistryPassword.
constexpr char kHtpasswd[] = "berth:$2b$04$u2nblto.VGnrpA1TbUo0xuwirviX9oO..5WafskHakiGSP7y9wt06\n";

}  // namespace

RegistryServer::RegistryServer(bool basic_auth) {
  std::string auth;
  if (basic_auth) {
    REQUIRE(WriteFile(tmp_.Sub("htpasswd"), kHtpasswd).ok());
    auth = fmt::format("auth:\n  htpasswd:\n    realm: berth-test\n    path: {}\n",
                       tmp_.Sub("htpasswd"));
  }
  Start(auth);
}

RegistryServer::RegistryServer(const TokenServer& tokens) {
  Start(fmt::format(
      "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n"
      "    rootcertbundle: {}\n",
      tokens.realm(), TokenServer::kService, TokenServer::kIssuer, tokens.cert_bundle()));
}

RegistryServer::RegistryServer(const RegistryTls& tls) { Start("", tls); }

void RegistryServer::Start(const std::string& auth_config, const std::optional<RegistryTls>& tls) {
  if (::access(kRegistryBinary, X_OK) != 0) {
    Skip("docker-registry is not installed (scripts/install-deps.sh)");
  }
  absl::StatusOr<RegistryProcess> started = StartRegistry(tmp_.Sub("registry"), auth_config, tls);
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  port_ = started->port;
  pid_ = std::move(started->pid);
}

std::string RegistryServer::host() const { return fmt::format("127.0.0.1:{}", port_); }

std::string RegistryServer::BlobDataPath(const std::string& hex) const {
  return fmt::format("{}/docker/registry/v2/blobs/sha256/{}/{}/data", storage(), hex.substr(0, 2),
                     hex);
}

}  // namespace berth::testing

// A real registry for tests: Debian's docker-registry (distribution 2.8) on
// 127.0.0.1 with a free port, filesystem storage in a temp dir, and
// optionally htpasswd basic auth, Bearer tokens from a TokenServer, or
// HTTPS. Stopped and removed with the object; skips the test (exit 77)
// when docker-registry is not installed.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"
#include "tests/testutil/registry_process.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/token_server.h"

namespace berth::testing {

// The basic-auth user the server accepts when started with basic_auth.
inline constexpr char kRegistryUser[] = "berth";
inline constexpr char kRegistryPassword[] = "berth-secret";

class RegistryServer {
 public:
  explicit RegistryServer(bool basic_auth = false);
  // Accepts only tokens `tokens` issued.
  explicit RegistryServer(const TokenServer& tokens);
  // Serves HTTPS (and wants client certificates if tls.client_cas is set).
  explicit RegistryServer(const RegistryTls& tls);
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  // "127.0.0.1:<port>"
  std::string host() const;
  int port() const { return port_; }
  // The registry's storage root.
  std::string storage() const { return tmp_.Sub("registry/storage"); }
  // Where the registry keeps the blob with this hex digest.
  std::string BlobDataPath(const std::string& hex) const;

 private:
  void Start(const std::string& auth_config, const std::optional<RegistryTls>& tls = std::nullopt);

  TempDir tmp_{"berth-registry"};
  int port_ = 0;
  ScopedPid pid_;
};

}  // namespace berth::testing

// docker-registry (distribution 2.8) as a process on 127.0.0.1, without
// Catch2, so benchmarks can start one too; tests use RegistryServer
// (registry_server.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"

namespace berth::testing {

inline constexpr char kRegistryBinary[] = "/usr/bin/docker-registry";

// A port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLoopbackPort();

// HTTPS for the registry (its http.tls section): PEM files.
struct RegistryTls {
  std::string certificate;
  std::string key;
  // When set, clients must present a certificate one of these CAs signed.
  std::vector<std::string> client_cas;
};

// docker-registry serving on a free 127.0.0.1 port with storage in
// `dir`/storage, `auth_config` (its YAML "auth:" section, or empty) and
// HTTPS when `tls` is set; killed with the returned pid.
struct RegistryProcess {
  int port = 0;
  ScopedPid pid;
};
absl::StatusOr<RegistryProcess> StartRegistry(const std::string& dir,
                                              const std::string& auth_config = "",
                                              const std::optional<RegistryTls>& tls = std::nullopt);

}  // namespace berth::testing

// docker-registry (distribution 2.8) as a process on 127.0.0.1, without
// Catch2, so benchmarks can start one too; tests use RegistryServer
// (registry_server.h).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"

namespace berth::testing {

inline constexpr char kRegistryBinary[] = "/usr/bin/docker-registry";

// A port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLoopbackPort();

// docker-registry serving on a free 127.0.0.1 port with storage in
// `dir`/storage and `auth_config` (its YAML "auth:" section, or empty);
// killed with the returned pid.
struct RegistryProcess {
  int port = 0;
  ScopedPid pid;
};
absl::StatusOr<RegistryProcess> StartRegistry(const std::string& dir,
                                              const std::string& auth_config = "");

}  // namespace berth::testing

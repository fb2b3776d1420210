// HostConfig.Ulimits ({Name, Soft, Hard}) -> OCI process.rlimits.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

struct Ulimit {
  std::string name;  // "nofile", as docker spells it
  int64_t soft = 0;
  int64_t hard = 0;
};

// Parses HostConfig.Ulimits (null or a list of objects), checking names.
absl::StatusOr<std::vector<Ulimit>> ParseUlimits(const nlohmann::json& host_config);

// The daemon's defaults overlaid by the container's, by name, as OCI rlimits
// ({"type":"RLIMIT_NOFILE","soft":..,"hard":..}).
nlohmann::json BuildRlimits(const std::vector<Ulimit>& daemon_defaults,
                            const std::vector<Ulimit>& container);

}  // namespace berth::engined::spec

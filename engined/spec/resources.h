// HostConfig's resource fields -> OCI linux.resources (without devices,
// which devices.h builds).
#pragma once

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

// Memory (MemorySwap -1: unlimited; unset with a Memory limit: twice the
// limit, as docker defaults it), MemoryReservation, MemorySwappiness,
// OomKillDisable; NanoCpus as quota over a 100ms period, or CpuQuota /
// CpuPeriod; CpuShares, CpusetCpus/Mems; PidsLimit (0 or -1: none);
// BlkioWeight.
absl::StatusOr<nlohmann::json> BuildResources(const nlohmann::json& host_config);

}  // namespace berth::engined::spec

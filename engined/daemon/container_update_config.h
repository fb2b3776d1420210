// The body of POST /containers/{id}/update (docker update) and what it does
// to a container's HostConfig, with docker's checks and messages (moby
// daemon/update.go, container.UpdateContainer and the update route). Pure:
// the daemon persists the result and hands it to the running task.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined {

// docker's UpdateConfig: the resource fields docker update changes (0 / ""
// leaves a field as it is) and a restart policy (empty name: unchanged).
struct ContainerUpdate {
  int64_t memory = 0;
  int64_t memory_swap = 0;
  int64_t memory_reservation = 0;
  int64_t kernel_memory = 0;  // ignored, with a warning
  int64_t cpu_shares = 0;
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  int64_t nano_cpus = 0;
  int64_t cpu_realtime_period = 0;
  int64_t cpu_realtime_runtime = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  int64_t blkio_weight = 0;
  std::optional<int64_t> pids_limit;             // <= 0: unlimited
  std::optional<nlohmann::json> restart_policy;  // {"Name", "MaximumRetryCount"}
};

// InvalidArgument naming the field for a value of the wrong type.
absl::StatusOr<ContainerUpdate> ParseContainerUpdate(const nlohmann::json& body);

// docker's settings checks on the update alone (verifyContainerSettings):
// InvalidArgument with docker's messages ("Minimum memoryswap limit should
// be larger than memory limit, see usage", ...). Warnings (KernelMemory is
// ignored) go to `warnings`. `num_cpus` 0: this host's.
absl::Status ValidateContainerUpdate(const ContainerUpdate& update,
                                     std::vector<std::string>* warnings, int num_cpus = 0);

// Applies `update` to the container's `host_config` (moby's
// container.UpdateContainer), or FailedPrecondition (docker's 409) when it
// conflicts with it ("Conflicting options: ...", "Restart policy cannot be
// updated because AutoRemove is enabled for the container", "Memory limit
// should be smaller than already set memoryswap limit, ..."), leaving it
// unchanged.
absl::Status ApplyContainerUpdate(const ContainerUpdate& update, nlohmann::json& host_config);

// The OCI linux.resources a running task gets after an update: every limit
// of the updated HostConfig, with an unlimited pids limit spelled out
// (so the runtime lifts an old one).
absl::StatusOr<nlohmann::json> UpdatedTaskResources(const nlohmann::json& host_config,
                                                    const ContainerUpdate& update);

}  // namespace berth::engined

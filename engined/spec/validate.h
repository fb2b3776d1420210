// Checks docker makes on a container's settings before create (and update),
// with docker's messages, as InvalidArgument (HTTP 400).
// Mirrors moby daemon/container.go verifyContainerSettings and
// daemon/daemon_unix.go verifyPlatformContainerResources / Settings.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/status/status.h"

namespace berth::engined::spec {

struct ValidateOptions {
  // CPUs this process may run on; 0 means ask sched_getaffinity.
  int num_cpus = 0;
  // POST /containers/{id}/update: the resources given replace the current ones.
  bool update = false;
};

absl::Status ValidateHostConfig(const nlohmann::json& host_config, const nlohmann::json& config,
                                const ValidateOptions& options = {});

// The resource fields only (shared by create and update).
absl::Status ValidateResources(const nlohmann::json& resources, const ValidateOptions& options);

int AvailableCpus();

}  // namespace berth::engined::spec

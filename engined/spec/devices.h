// Host devices given to a container (HostConfig.Devices), the device cgroup
// rules (docker's defaults, DeviceCgroupRules, privileged allow-all).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

struct DeviceMapping {
  std::string path_on_host;
  std::string path_in_container;
  std::string permissions = "rwm";
};

// HostConfig.Devices: objects {PathOnHost, PathInContainer, CgroupPermissions}
// or the CLI's "/dev/x[:/dev/y][:rwm]" strings.
absl::StatusOr<std::vector<DeviceMapping>> ParseDeviceMappings(const nlohmann::json& host_config);

// "c 1:3 rwm", "b *:* m", "a *:* rwm" -> an OCI linux.resources.devices entry.
absl::StatusOr<nlohmann::json> ParseDeviceCgroupRule(const std::string& rule);

struct DeviceSpec {
  nlohmann::json devices = nlohmann::json::array();  // linux.devices
  nlohmann::json rules = nlohmann::json::array();    // linux.resources.devices
};

// Stats each mapped host node for its type, numbers, mode and owner. When
// privileged, every character and block device under `host_dev` (normally
// "/dev"; skipping pts, shm, mqueue, fd and console) is added and all are allowed.
absl::StatusOr<DeviceSpec> BuildDevices(const std::vector<DeviceMapping>& mappings,
                                        const std::vector<std::string>& cgroup_rules,
                                        bool privileged, const std::string& host_dev = "/dev");

}  // namespace berth::engined::spec

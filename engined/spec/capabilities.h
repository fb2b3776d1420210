// Docker's capability rules: the default set, CapAdd/CapDrop normalisation
// ("net_admin", "CAP_NET_ADMIN", "ALL") and the resulting set.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

// Docker's default set (moby oci/caps/defaults.go), CAP_-prefixed.
const std::vector<std::string>& DefaultCapabilities();

// Every capability this kernel knows (up to /proc/sys/kernel/cap_last_cap).
const std::vector<std::string>& AllCapabilities();

// Upper-cases and CAP_-prefixes each name; "ALL" stays "ALL". `field`
// names the list in errors: `HostConfig.CapAdd: unknown capability: "CAP_FOO"`.
absl::StatusOr<std::vector<std::string>> NormalizeCapabilities(
    const std::vector<std::string>& names, const std::string& field);

// The container's capability set: all when privileged; else the defaults
// minus CapDrop plus CapAdd, where CapAdd ALL means all but CapDrop and
// CapDrop ALL means only CapAdd.
absl::StatusOr<std::vector<std::string>> ContainerCapabilities(
    const std::vector<std::string>& cap_add, const std::vector<std::string>& cap_drop,
    bool privileged);

}  // namespace berth::engined::spec

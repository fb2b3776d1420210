// Docker-format seccomp profiles (defaultAction, archMap, syscalls with
// includes/excludes) -> OCI linux.seccomp, the way moby/profiles/seccomp
// resolves them for one container: rules apply only when their includes
// match and their excludes do not, judged against the container's bounding
// capabilities, the host architecture and the kernel version.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

struct SeccompTarget {
  std::vector<std::string> capabilities;  // bounding set, "CAP_SYS_ADMIN"
  std::string arch;                       // docker's name: "amd64", "arm64"
  std::string kernel;                     // "6.1.0-18-amd64"; empty: assume new enough
};

// The host's values (uname), for `capabilities` the caller fills in.
SeccompTarget HostSeccompTarget(std::vector<std::string> capabilities);

// Converts a docker-format profile. A profile with neither defaultAction
// nor syscalls means "no filter": the result is null.
absl::StatusOr<nlohmann::json> ConvertSeccompProfile(const std::string& profile_json,
                                                     const SeccompTarget& target);

// Berth's default profile (seccomp_default.json, compiled in).
const std::string& DefaultSeccompProfile();

}  // namespace berth::engined::spec

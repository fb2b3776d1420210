// HostConfig.SecurityOpt: "no-new-privileges[:true]", "seccomp=unconfined",
// "seccomp=<profile JSON>", "apparmor=...", "label=...", "systempaths=unconfined".
// Docker accepts ':' as the separator too (the pre-1.11 form).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

struct SecurityOptions {
  bool no_new_privileges = false;
  bool seccomp_unconfined = false;
  std::optional<std::string> seccomp_profile;  // docker-format JSON text
  std::string apparmor_profile;
  std::vector<std::string> labels;     // SELinux; kept, not applied
  bool unmasked_system_paths = false;  // systempaths=unconfined
};

absl::StatusOr<SecurityOptions> ParseSecurityOpts(const std::vector<std::string>& opts);

}  // namespace berth::engined::spec

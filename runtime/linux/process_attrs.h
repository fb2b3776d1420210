// Per-process kernel attributes from config.json's process and linux
// sections: rlimits, oom_score_adj, personality, scheduler, I/O priority,
// sysctls, hostname / domainname and the session keyring.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// Validation without side effects (create-time errors instead of init-time).
absl::Status ValidateRlimits(const std::vector<spec::Rlimit>& rlimits);
absl::Status ValidateScheduler(const spec::Scheduler& scheduler);
absl::Status ValidateIoPriority(const spec::IoPriority& priority);
absl::Status ValidatePersonality(const spec::Personality& personality);

absl::Status ApplyRlimits(const std::vector<spec::Rlimit>& rlimits);
absl::Status ApplyOomScoreAdj(int value);
absl::Status ApplyPersonality(const spec::Personality& personality);
absl::Status ApplyScheduler(const spec::Scheduler& scheduler);
absl::Status ApplyIoPriority(const spec::IoPriority& priority);

// Writes each key under /proc/sys ("net.ipv4.ip_forward" -> net/ipv4/ip_forward).
absl::Status ApplySysctls(const std::map<std::string, std::string>& sysctls);

absl::Status SetHostname(const std::string& hostname);
absl::Status SetDomainname(const std::string& domainname);

// Joins a fresh session keyring named "_ses.<id>" so containers do not
// share the host's (runc does the same; --no-new-keyring skips it).
absl::Status JoinSessionKeyring(const std::string& id);

}  // namespace berth::runtime::linux

// Linux capabilities of the container process: names, the five sets, and
// the switch to the container user that keeps exactly the configured ones.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// "CAP_SYS_ADMIN" -> 21. Knows every capability up to CAP_CHECKPOINT_RESTORE
// even where libcap is older; case-sensitive, as runc is.
std::optional<int> CapabilityFromName(std::string_view name);

// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).
int LastCapability();

// Canonical names of every capability this kernel knows.
std::vector<std::string> AllCapabilityNames();

struct CapabilitySets {
  std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

// Names -> numbers. Unknown names are an error naming the set; names the
// running kernel does not have are dropped with a warning (as runc does).
absl::StatusOr<CapabilitySets> ResolveCapabilities(const spec::Capabilities& caps);

// PR_CAPBSET_DROP for every capability not in the bounding set.
absl::Status DropBoundingSet(const CapabilitySets& sets);

// Sets effective / permitted / inheritable, then the ambient set.
absl::Status ApplyCapabilities(const CapabilitySets& sets);

// The whole sequence around the uid change: drop the bounding set, keep
// capabilities across setuid, set groups / gid / uid, then apply the sets.
absl::Status SwitchUserKeepingCaps(uid_t uid, gid_t gid, const std::vector<uint32_t>& groups,
                                   const CapabilitySets& sets);

}  // namespace berth::runtime::linux

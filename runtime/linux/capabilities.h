// Linux capabilities of the container process: names to numbers, the
// bounding set, the effective/permitted/inheritable sets and the ambient set,
// and the uid switch that keeps them (crun src/libcrun/linux.c
// set_required_caps, runc libcontainer/capabilities).
//
// The runtime applies them in this order around the uid switch:
//   DropBoundingSet -> PR_SET_KEEPCAPS 1 -> setgroups/setresgid/setresuid
//   -> ApplyCapabilities -> PR_SET_KEEPCAPS 0
// which SwitchUserKeepingCaps does in one call.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap,
// or probed with PR_CAPBSET_READ when /proc is not readable).
int LastCapability();

// "CAP_SYS_ADMIN" -> 21. Only canonical names are accepted, as runc does:
// "CAP_" followed by upper-case letters, digits and '_'. Lower-case names,
// names without the prefix, numbers and libcap's text forms
// ("cap_chown,cap_kill", "all") are not capability names here. Names newer
// than libcap (up to CAP_CHECKPOINT_RESTORE = 40) are known from a table.
// The result may be above LastCapability() on an older kernel.
std::optional<int> CapabilityFromName(std::string_view name);

// The canonical name of capability `cap` (0 -> "CAP_CHOWN"), or nullopt when
// neither the table nor libcap names it.
std::optional<std::string> CapabilityName(int cap);

// Every capability this kernel knows, 0..LastCapability(), by canonical name
// (for `features`). A capability without a known name is left out.
std::vector<std::string> AllCapabilityNames();

// The `linux.capabilities` member of `berth-runtime features`: a JSON array
// of AllCapabilityNames().
json::Json CapabilityFeatures();

// The five capability sets as numbers, in the order the spec listed them.
struct CapabilitySets {
  std::vector<int> bounding;
  std::vector<int> effective;
  std::vector<int> inheritable;
  std::vector<int> permitted;
  std::vector<int> ambient;
};

// Resolves process.capabilities. A malformed or unknown name is an
// InvalidArgument naming the set and the name
// (`process.capabilities.bounding: unknown capability "CAP_FOO"`); a known
// capability that this kernel lacks (above LastCapability()) is skipped with
// a warning, as runc does.
absl::StatusOr<CapabilitySets> ResolveCapabilities(const spec::Capabilities& caps);
// The same against a kernel whose last capability is `last_cap` (a seam for
// tests).
absl::StatusOr<CapabilitySets> ResolveCapabilities(const spec::Capabilities& caps, int last_cap);

// Drops from the bounding set (PR_CAPBSET_DROP) every capability not in
// sets.bounding. Needs CAP_SETPCAP.
absl::Status DropBoundingSet(const CapabilitySets& sets);

// Sets the effective, permitted and inheritable sets to exactly the given
// ones (capset through libcap), then clears the ambient set and raises
// sets.ambient. An ambient capability must also be in the permitted and
// inheritable sets; otherwise this fails naming it. A kernel without ambient
// capabilities (EINVAL on clear) is tolerated when none are requested.
absl::Status ApplyCapabilities(const CapabilitySets& sets);

// Switches to uid/gid with `additional_gids` as the supplementary groups and
// ends with exactly `sets`:
//   DropBoundingSet, prctl(PR_SET_KEEPCAPS, 1), setgroups, setresgid,
//   setresuid, ApplyCapabilities, prctl(PR_SET_KEEPCAPS, 0).
// setgroups is skipped when the user namespace denies it
// (/proc/self/setgroups is "deny"); that is an error only when
// additional_gids were requested. Changes the calling process: call it in the
// container's init or in a forked child only.
absl::Status SwitchUserKeepingCaps(uid_t uid, gid_t gid, const std::vector<gid_t>& additional_gids,
                                   const CapabilitySets& sets);

}  // namespace berth::runtime::linux

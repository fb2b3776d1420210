// docker's `filters` for GET /networks (moby daemon/network/filter.go):
// driver and scope match exactly, name and id as regular expressions (or
// equal), label as key or key=value (all must hold), type builtin|custom,
// dangling true|false (a predefined network is never dangling).
#pragma once

#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "engined/network/predefined_networks.h"

namespace berth::engined::network {

using NetworkFilters = std::map<std::string, std::set<std::string>>;

// InvalidArgument: "invalid filter 'key'" for an unknown key, "invalid
// filter 'type=x'" / "invalid filter 'dangling=x'" for a bad value.
absl::Status ValidateNetworkFilters(const NetworkFilters& filters);

// Whether a (predefined) network passes every filter.
bool MatchesNetworkFilters(const NetworkRecord& network, const NetworkFilters& filters);

}  // namespace berth::engined::network

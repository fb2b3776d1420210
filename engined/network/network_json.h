// The Engine API's network JSON (moby api/types/network.Inspect) for a
// predefined network: no IPAM pools and no endpoint addresses, as berthd
// has no bridge (or any network driver) yet.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engined/network/predefined_networks.h"

namespace berth::engined::network {

// A running container on a network (inspect's "Containers" map).
struct NetworkEndpoint {
  std::string container_id;
  std::string name;  // without docker's leading '/'
  std::string endpoint_id;
};

// GET /networks/{id}: with the containers; GET /networks lists with an
// empty "Containers", as dockerd does.
nlohmann::json NetworkJson(const NetworkRecord& network,
                           const std::vector<NetworkEndpoint>& containers = {});

}  // namespace berth::engined::network

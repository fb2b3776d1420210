// The /networks endpoints over docker's predefined networks (bridge, host,
// none): list with filters, inspect with the running containers on each,
// and docker's refusals for what needs user-defined networks (not built
// yet): create, connect, disconnect; removing a predefined one is 403.
#pragma once

#include "engined/daemon/container_manager.h"
#include "engined/http/http.h"
#include "engined/network/predefined_networks.h"

namespace berth::engined::api {

void AddNetworkRoutes(http::Router& router, const network::PredefinedNetworks& networks,
                      ContainerManager& containers);

}  // namespace berth::engined::api

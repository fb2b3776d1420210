// POST /containers/{id}/update (docker update).
#pragma once

#include "engined/daemon/container_manager.h"
#include "engined/http/http.h"

namespace berth::engined::api {

void AddContainerUpdateRoute(http::Router& router, ContainerManager& containers);

}  // namespace berth::engined::api

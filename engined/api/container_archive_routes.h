// docker cp, export and diff: HEAD/GET/PUT /containers/{id}/archive,
// GET /containers/{id}/export and GET /containers/{id}/changes.
#pragma once

#include "engined/daemon/container_manager.h"
#include "engined/http/http.h"

namespace berth::engined::api {

void AddContainerArchiveRoutes(http::Router& router, ContainerManager& containers);

}  // namespace berth::engined::api

// The /containers and /exec endpoints of the Docker Engine API.
#pragma once

#include "engined/daemon/container_manager.h"
#include "engined/daemon/exec_manager.h"
#include "engined/http/http.h"

namespace berth::engined::api {

// Lifecycle, listing and inspection (container_routes.cc).
void AddContainerRoutes(http::Router& router, ContainerManager& containers, ExecManager& execs);
// Streams: attach, logs, exec start (container_stream_routes.cc).
void AddContainerStreamRoutes(http::Router& router, ContainerManager& containers,
                              ExecManager& execs);
// top and stats (container_stats_routes.cc).
void AddContainerStatsRoutes(http::Router& router, ContainerManager& containers);

}  // namespace berth::engined::api

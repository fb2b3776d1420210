// The Engine API's /volumes routes over a VolumeStore: a thin adapter that
// only parses requests and turns Statuses into docker's HTTP errors.
#pragma once

#include "engined/http/http.h"
#include "engined/volumes/volume_store.h"

namespace berth::engined::volumes {

// GET /volumes, POST /volumes/create, GET /volumes/{name},
// DELETE /volumes/{name}, POST /volumes/prune. `store` outlives `router`.
void AddVolumeRoutes(http::Router& router, VolumeStore& store);

// Whether API version `version` ("1.41") is at least `min`; an empty
// version means the server's current one (always new enough).
bool ApiVersionAtLeast(const std::string& version, int major, int minor);

}  // namespace berth::engined::volumes

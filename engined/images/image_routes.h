// The Engine API's /images endpoints over an ImageService (thin adapter:
// query parsing, status codes, streaming; the logic is the service's).
#pragma once

#include "engined/http/http.h"
#include "engined/images/image_service.h"

namespace berth::engined::images {

void AddImageRoutes(http::Router& router, ImageService& images);

}  // namespace berth::engined::images

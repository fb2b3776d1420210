// POST /auth (docker login): the daemon checks the credentials against the
// registry itself and answers "Login Succeeded" or 401, storing nothing.
#pragma once

#include "engined/http/http.h"

namespace berth::engined::api {

void AddAuthRoute(http::Router& router);

}  // namespace berth::engined::api

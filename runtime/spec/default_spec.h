// The config.json `spec` writes: runc's defaults (plus a cgroup namespace),
// or its rootless variant.
#pragma once

#include "common/json_util.h"

namespace berth::runtime::spec {

json::Json DefaultSpecJson(bool rootless, uint32_t uid, uint32_t gid);

}  // namespace berth::runtime::spec

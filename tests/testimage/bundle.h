// OCI runtime bundles: config.json plus a busybox rootfs.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/json_util.h"
#include "tests/testimage/rootfs.h"

namespace berth::testimage {

// Writes `dir`/config.json (from `config`) and the rootfs at the config's
// root.path (relative to `dir`, normally "rootfs"). `dir` is created.
absl::Status CreateBundle(const std::string& dir, const json::Json& config,
                          const RootfsOptions& opts);

}  // namespace berth::testimage

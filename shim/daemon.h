// `berth-shim serve`: the long-lived shim. Subreaper of the container,
// serves the task API on its socket until Shutdown.
#pragma once

#include "absl/status/status.h"
#include "shim/shim_options.h"

namespace berth::shim {

// Tells `ready_fd` (if >= 0) "ok" once the socket serves, or the error.
absl::Status Serve(const ShimOptions& options, int ready_fd);

}  // namespace berth::shim

// `berth-shim start` and `berth-shim delete`: the short-lived commands a
// daemon runs around the long-lived shim. No gRPC here: berth-shim, which
// runs them, is a small static program, and the shim proper is another
// binary, berth-shim-daemon.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "shim/exit_record.h"
#include "shim/shim_options.h"

namespace berth::shim {

// Starts `berth-shim-daemon ... serve` in a new session (or finds the shim
// already serving this bundle) and returns its address once it accepts
// calls.
absl::StatusOr<std::string> StartShim(const ShimOptions& options);

// berth-shim-daemon: beside this program, else in the build tree or PATH.
std::string DaemonProgram();

// Cleans up after a shim that is gone: the runtime's container, the rootfs
// mount, the shim's socket and files. Returns the exit it recorded (137 at
// an unknown time when it recorded none, as containerd reports).
absl::StatusOr<ExitRecord> CleanupBundle(const ShimOptions& options);

}  // namespace berth::shim

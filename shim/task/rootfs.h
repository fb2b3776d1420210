// The container's root filesystem, mounted by the shim from the mounts its
// client passed at Create (an overlay snapshot, typically), and unmounted at
// Delete. The shim mounts it so that the runtime sees an ordinary bundle.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shim/task/types.h"

namespace berth::shim::task {

// Mounts each of `mounts` in order on bundle/rootfs (or below it); returns
// the mounted targets, innermost last. On failure nothing stays mounted.
absl::StatusOr<std::vector<std::string>> MountRootfs(const std::string& bundle,
                                                     const std::vector<RootfsMount>& mounts);
// Unmounts in reverse order; lazily if a mount is still busy.
absl::Status UnmountRootfs(const std::vector<std::string>& targets);

}  // namespace berth::shim::task

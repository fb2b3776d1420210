// Idmapped bind mounts (mount options "idmap" / "ridmap").
#pragma once

#include "absl/status/status.h"
#include "runtime/linux/mount_options.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// Clones the source tree, marks it idmapped with the mount's own
// uid/gidMappings (or, without them, the container's user namespace
// `container_user_ns_fd`), and moves it onto `target_fd`.
absl::Status MountIdMapped(const spec::Mount& mount, const MountOptions& opts, int target_fd,
                           int container_user_ns_fd);

}  // namespace berth::runtime::linux

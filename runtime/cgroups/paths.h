// Where a container's cgroup directory goes in each hierarchy (runc's rules).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "runtime/cgroups/layout.h"

namespace berth::runtime::cgroups {

// The path of the container's cgroup inside a hierarchy (relative to its
// root, starting with '/'): an absolute cgroups_path as is; a relative one,
// or "<id>" when empty, under `own` (this process's cgroup there).
absl::StatusOr<std::string> InnerPath(const std::string& cgroups_path, const std::string& id,
                                      const std::string& own);

// mount point + inner path, minus the mount's own root when the host itself
// only sees part of the hierarchy.
std::string HostDir(const std::string& mount_point, const std::string& mount_root,
                    const std::string& inner);

// "slice:prefix:name" for --systemd-cgroup, and the error for hosts without
// systemd as PID 1.
absl::Status CheckSystemdDriver(const std::string& cgroups_path);

}  // namespace berth::runtime::cgroups

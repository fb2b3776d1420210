// Where a container's cgroup directory goes in each hierarchy (runc's rules),
// and the checks behind --systemd-cgroup.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::runtime::cgroups {

// One hierarchy as this process sees it.
struct HierarchyView {
  std::string mount_point;  // "/sys/fs/cgroup/memory"
  std::string root = "/";   // the mount's root within the hierarchy (mountinfo field 4)
  std::string own = "/";    // this process's cgroup there (/proc/self/cgroup)
};

// The container's directory in one hierarchy:
//  - absolute cgroups_path: below the mount point, as the hierarchy is seen
//    through the mount (runc). When the mount shows only part of the
//    hierarchy (root "/docker/x") and the path starts with that root, the
//    root is stripped, so a full hierarchy path also works.
//  - relative: below this process's own cgroup;
//  - empty: "<own cgroup>/<container_id>".
// ".." may not climb above the hierarchy root (absolute) or the own cgroup
// (relative), and the result may not be the root or the own cgroup itself.
absl::StatusOr<std::string> ContainerDir(const std::string& cgroups_path,
                                         const std::string& container_id,
                                         const HierarchyView& hierarchy);

// --systemd-cgroup's "slice:prefix:name" form.
struct SystemdCgroupPath {
  std::string slice;  // "system.slice" when given empty
  std::string prefix;
  std::string name;
};
absl::StatusOr<SystemdCgroupPath> ParseSystemdCgroupPath(std::string_view path);

// What decides whether systemd could manage cgroups here.
struct InitProcessInfo {
  std::string comm;             // /proc/1/comm
  bool systemd_booted = false;  // /run/systemd/system exists (sd_booted)
};
InitProcessInfo ReadInitProcessInfo();

// The error for --systemd-cgroup: InvalidArgument for a malformed path,
// otherwise FailedPrecondition saying why the driver cannot be used
// (systemd is not PID 1, or berth-runtime has no systemd driver yet).
absl::Status SystemdDriverError(const std::string& cgroups_path, const InitProcessInfo& init);

}  // namespace berth::runtime::cgroups

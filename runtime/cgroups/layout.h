// How the host's cgroup filesystems are laid out, read from
// /proc/self/mountinfo and /proc/self/cgroup.
#pragma once

#include <map>
#include <vector>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::runtime::cgroups {

enum class Mode {
  kLegacy,   // v1 controllers only
  kHybrid,   // v1 controllers plus a cgroup2 mount (e.g. /sys/fs/cgroup/unified)
  kUnified,  // pure v2
};

struct Layout {
  Mode mode = Mode::kLegacy;
  // v1: controller -> mount point. Co-mounted controllers ("cpu,cpuacct")
  // appear once per controller; named hierarchies as "name=systemd".
  std::map<std::string, std::string> v1_mounts;
  // v1: controller -> the mount's root within the hierarchy (mountinfo field
  // 4), "/" unless the host itself is a container with a cgroup namespace.
  std::map<std::string, std::string> v1_roots;
  // The cgroup2 mount point ("" when there is none).
  std::string unified_mount;
  // Controllers available in the cgroup2 root (cgroup.controllers).
  std::vector<std::string> unified_controllers;
  // This process's own cgroup per controller, from /proc/self/cgroup; the v2
  // entry is under key "".
  std::map<std::string, std::string> own_cgroups;
};

// Reads the live host layout.
absl::StatusOr<Layout> DetectLayout();

// The parsing behind DetectLayout, for tests: mountinfo and /proc/self/cgroup
// contents, plus the cgroup2 root's cgroup.controllers content.
absl::StatusOr<Layout> ParseLayout(std::string_view mountinfo, std::string_view proc_self_cgroup,
                                   std::string_view unified_controllers);

}  // namespace berth::runtime::cgroups

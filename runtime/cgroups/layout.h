// How the host's cgroup filesystems are laid out, read from
// /proc/self/mountinfo and /proc/self/cgroup.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

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
  // The cgroup2 mount's root within the hierarchy (mountinfo field 4).
  std::string unified_root = "/";
  // Controllers available in the cgroup2 root (cgroup.controllers).
  std::vector<std::string> unified_controllers;
  // This process's own cgroup per controller, from /proc/self/cgroup; the v2
  // entry is under key "".
  std::map<std::string, std::string> own_cgroups;
  // Huge page sizes the host supports, as cgroup file names spell them
  // ("2MB", "1GB"), from /sys/kernel/mm/hugepages. Empty: unknown, so page
  // sizes are not checked against it and stats list none.
  std::vector<std::string> hugepage_sizes;

  // The v1 mount of `controller`, or "" when it is not mounted.
  std::string V1Mount(const std::string& controller) const;
  bool HasUnifiedController(const std::string& controller) const;
};

// Reads the live host layout.
absl::StatusOr<Layout> DetectLayout();

// "hugepages-2048kB" directory names (or sizes in kB) as cgroup file names
// spell page sizes: 2048 -> "2MB", 1048576 -> "1GB", 64 -> "64KB".
std::string HugePageSizeName(uint64_t size_kb);
// The sizes under `sysfs_dir` (/sys/kernel/mm/hugepages), sorted by size.
std::vector<std::string> ReadHugePageSizes(const std::string& sysfs_dir);

// The parsing behind DetectLayout, for tests: mountinfo and /proc/self/cgroup
// contents, plus the cgroup2 root's cgroup.controllers content.
absl::StatusOr<Layout> ParseLayout(std::string_view mountinfo, std::string_view proc_self_cgroup,
                                   std::string_view unified_controllers);

}  // namespace berth::runtime::cgroups

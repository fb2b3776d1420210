// Finding the memory cgroup directory of a process on this host: from
// /proc/PID/cgroup (which cgroup) and our /proc/self/mountinfo (where its
// hierarchy is mounted), for cgroup v1, v2 and hybrid hosts. Pure parsing
// functions plus one that reads the real files.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::shim {

// One line of /proc/PID/cgroup: "4:memory:/a/b", "0::/a/b" (v2).
struct ProcCgroupEntry {
  int hierarchy_id = 0;
  // {"cpu", "cpuacct"}; {"name=systemd"} for a named v1 hierarchy; {} for v2.
  std::vector<std::string> controllers;
  std::string path;
};
std::vector<ProcCgroupEntry> ParseProcCgroup(std::string_view text);

// The fields of one /proc/PID/mountinfo line that matter here, with the
// octal escapes (\040) of root and mount point decoded.
struct MountInfoEntry {
  std::string root;  // the directory of the filesystem mounted
  std::string mount_point;
  std::string fs_type;
  std::vector<std::string> super_options;
};
std::vector<MountInfoEntry> ParseMountInfo(std::string_view text);

struct MemoryCgroup {
  int version = 0;  // 1 (v1 memory controller) or 2 (unified)
  std::string dir;
};

// A v1 memory hierarchy wins over v2 (hybrid hosts keep memory on v1).
// NotFound when the process is in no memory cgroup we can see mounted.
// `what` names the process in errors ("pid 42").
absl::StatusOr<MemoryCgroup> FindMemoryCgroup(std::string_view proc_cgroup,
                                              std::string_view mountinfo, const std::string& what);

// FindMemoryCgroup for a live process.
absl::StatusOr<MemoryCgroup> MemoryCgroupOf(pid_t pid);

}  // namespace berth::shim

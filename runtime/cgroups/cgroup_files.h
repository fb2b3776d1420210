// Reading and writing cgroup control files, with errors that name the file
// and the value: write "100" to /sys/fs/cgroup/pids/x/pids.max: Invalid argument
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtime::cgroups {

absl::Status WriteCgroupFile(const std::string& dir, const std::string& file,
                             const std::string& value);
absl::StatusOr<std::string> ReadCgroupFile(const std::string& dir, const std::string& file);
// A single number; "max" reads as UINT64_MAX.
absl::StatusOr<uint64_t> ReadCgroupUint(const std::string& dir, const std::string& file);
// "key value" lines (memory.stat, cpu.stat, memory.events).
absl::StatusOr<std::map<std::string, uint64_t>> ReadFlatKeyed(const std::string& dir,
                                                              const std::string& file);
bool CgroupFileExists(const std::string& dir, const std::string& file);

// Every pid in cgroup.procs of `dir` and its descendants.
absl::StatusOr<std::vector<pid_t>> ReadPidsRecursive(const std::string& dir);

// rmdir `dir` after its descendant cgroups, retrying briefly while exiting
// tasks drain. A missing dir is fine.
absl::Status RemoveCgroupDir(const std::string& dir);

// mkdir -p.
absl::Status MakeCgroupDir(const std::string& dir);

}  // namespace berth::runtime::cgroups

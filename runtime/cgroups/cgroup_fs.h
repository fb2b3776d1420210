// Reading and writing cgroup control files, shared by the v1 and v2 managers.
//
// Every error names the file and, for writes, the value:
//   write "100" to /sys/fs/cgroup/pids/x/pids.max: invalid argument
// and keeps the errno as a payload (ErrnoOf) so callers can branch on EBUSY.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtime::cgroups {

// An errno error whose message is "<what>: <strerror in lower case>".
absl::Status CgroupErrno(int errno_value, std::string_view what);

// Writes `value` to <dir>/<file> in one write(2), as the kernel wants.
absl::Status WriteCgroupFile(const std::string& dir, std::string_view file, std::string_view value);

// Test seam: sees every write WriteCgroupFile attempts, in order, as the full
// path and the value (fake cgroup files are plain files, so a sequence of
// writes to one file leaves only the last; the observer sees them all).
// Pass nullptr to remove. The runtime is single-threaded; so is this.
using WriteObserver = std::function<void(const std::string& path, std::string_view value)>;
void SetWriteObserverForTesting(WriteObserver observer);

absl::StatusOr<std::string> ReadCgroupFile(const std::string& dir, std::string_view file);
bool CgroupFileExists(const std::string& dir, std::string_view file);

// A file holding one number; "max" reads as UINT64_MAX.
absl::StatusOr<uint64_t> ReadCgroupUint(const std::string& dir, std::string_view file);

// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
// Lines that are not a key and an unsigned number are skipped.
std::map<std::string, uint64_t> ParseKeyedUints(std::string_view content);
absl::StatusOr<std::map<std::string, uint64_t>> ReadKeyedUints(const std::string& dir,
                                                               std::string_view file);

// The ...IfExists variants treat a missing file (ENOENT) as absent data, not
// an error: stats read files of controller features the kernel may lack.
absl::StatusOr<std::optional<std::string>> ReadCgroupFileIfExists(const std::string& dir,
                                                                  std::string_view file);
// Leaves *out alone when the file is missing.
absl::Status ReadUintIfExists(const std::string& dir, std::string_view file, uint64_t* out);
// An empty map when the file is missing.
absl::StatusOr<std::map<std::string, uint64_t>> ReadKeyedUintsIfExists(const std::string& dir,
                                                                       std::string_view file);

// Whitespace-separated numbers (cpuacct.usage_percpu).
absl::StatusOr<std::vector<uint64_t>> ReadUintList(const std::string& dir, std::string_view file);

// Whitespace-separated words (cgroup.controllers, cgroup.subtree_control).
std::vector<std::string> SplitWords(std::string_view content);

// The pids in <dir>/cgroup.procs and in every descendant cgroup's.
absl::StatusOr<std::vector<pid_t>> ReadProcsRecursive(const std::string& dir);

// Removes `dir` and every cgroup below it, children first. Cgroup
// directories keep their control files until rmdir, so this never unlinks.
// A missing directory is fine; EBUSY (tasks still exiting) is retried with a
// short backoff until `budget` is spent (a loaded machine can take seconds
// to let the last killed task go).
absl::Status RemoveCgroupTree(const std::string& dir,
                              std::chrono::milliseconds budget = std::chrono::milliseconds(5000));

// mkdir -p that reports the directories it made, so a failed Create can
// remove exactly those. Existing directories are fine.
absl::Status MkdirAllRecorded(const std::string& path, std::vector<std::string>* created);

// rmdir of `dirs` in reverse order, ignoring errors (rollback helper).
void RemoveDirsBestEffort(const std::vector<std::string>& dirs);

// The directories from `mount` (inclusive) down to `dir` (inclusive); `dir`
// must be `mount` or below it.
std::vector<std::string> DirChain(const std::string& mount, const std::string& dir);

}  // namespace berth::runtime::cgroups

// What the daemon benchmarks share: timing and percentiles, finding and
// removing what a run leaves behind (processes, cgroups, mounts), and CPU
// accounting of the processes a run starts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"

namespace berth::bench {

using Clock = std::chrono::steady_clock;

// What every daemon benchmark's main does first, before any thread exists
// (unshare refuses once there are threads): checks for root and enters a
// private mount namespace, so mounts a run leaves die with the benchmark.
// False, with the reason on stderr, when either fails.
bool EnterPrivateMountNamespace();

// SIGINT and SIGTERM set Interrupted() instead of ending the process, so the
// benchmark stops between steps and cleans up.
void CatchInterrupts();
bool Interrupted();

// A new directory /tmp/<prefix>-XXXXXX; "" (reason on stderr) on failure.
std::string MakeTempDir(const std::string& prefix);

// Absolute path of `path`, or "" when it is not an executable.
std::string Executable(const std::string& path);

// "<program>: <what>" on stderr.
void Warn(const std::string& what);

double Ms(Clock::time_point a, Clock::time_point b);

// The value at fraction `p` (0..1) of the sorted values, nearest rank; 0 if
// there are none.
double Percentile(std::vector<double> v, double p);

// The last `lines` lines of a file, for error reports.
std::string Tail(const std::string& path, size_t lines);

// Whether something accepts connections on the unix socket `path`.
bool Listening(const std::string& path);

// Processes running `exe` (any, if empty) whose command line contains
// `marker` (arguments joined by spaces, with a trailing one).
std::vector<pid_t> FindProcesses(const std::string& exe, const std::string& marker);

// Kills every process of the cgroups named `name` under each v1 hierarchy
// (or the v2 root) and removes them, children first.
void RemoveCgroup(const std::string& name);

// Cgroups directly under the hierarchies whose name starts with `prefix`.
std::vector<std::string> CgroupsWithPrefix(const std::string& prefix);

// Unmounts whatever is still mounted under `dir`, deepest first.
void UnmountUnder(const std::string& dir);

// Spawns `argv` with stdout and stderr to `log` and waits for it through
// the child reaper (tests/testutil/child_reaper.h).
absl::StatusOr<ExitStatus> RunLogged(const std::vector<std::string>& argv, const std::string& log,
                                     std::chrono::milliseconds timeout);

// CPU of the calling thread plus that of every child reaped so far, ms.
double ReapedCpuMs();

// utime + stime and cutime + cstime of `pid` from /proc/PID/stat, ms (in
// clock ticks, so sum many before dividing).
std::pair<double, double> ProcessCpuMs(pid_t pid);

// Pid of the direct child of `parent` whose executable's name is `name`.
std::optional<pid_t> ChildNamed(pid_t parent, const std::string& name);

// A tmpfs on each of `paths` in the process's private mount namespace
// (EnterPrivateMountNamespace), for host paths a daemon uses whatever its
// flags say. A path that did not exist is created for the mount and
// removed again afterwards.
class PrivateHostDirs {
 public:
  PrivateHostDirs() = default;
  PrivateHostDirs(const PrivateHostDirs&) = delete;
  PrivateHostDirs& operator=(const PrivateHostDirs&) = delete;
  ~PrivateHostDirs();

  absl::Status Hide(const std::string& path);

 private:
  std::vector<std::string> mounted_;
  std::vector<std::string> created_;
};

}  // namespace berth::bench

// `docker top`: {"Titles": [...], "Processes": [[...], ...]} for a
// container's pids (daemon/top_unix.go).
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::logs {

struct TopResult {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;

  nlohmann::json ToJson() const;  // docker's ContainerTopOKBody
};

struct TopOptions {
  std::string proc_root = "/proc";  // for the default columns
  std::string ps_program = "/bin/ps";
};

// Without ps_args: the columns of `ps -ef` (UID PID PPID C STIME TTY TIME
// CMD) for `pids`, read from /proc, in pid order. With ps_args: docker's
// way, `ps <args split on ' '> -q<pids>` (again without -q if ps refuses),
// keeping the rows whose PID is one of `pids` and thread rows ("-") under
// them. Errors are Internal (docker's 500): "ps: <first stderr line>",
// "Couldn't find PID field in ps output", "Unexpected pid ...".
absl::StatusOr<TopResult> DockerTop(const std::vector<pid_t>& pids, const std::string& ps_args,
                                    const TopOptions& options = {});

// The parts, for tests and for callers that already have ps output.
absl::StatusOr<TopResult> ParsePsOutput(const std::string& output, const std::vector<pid_t>& pids);
absl::StatusOr<TopResult> ProcTop(const std::vector<pid_t>& pids, const std::string& proc_root);

}  // namespace berth::engined::logs

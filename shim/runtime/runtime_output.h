// Parsing what a runtime prints or writes: `state` JSON, `ps --format json`,
// and pid files.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::shim {

// The OCI state runc prints for `state ID` (plus runc's created / owner).
struct ContainerState {
  std::string oci_version;
  std::string id;
  pid_t pid = 0;       // 0 once stopped
  std::string status;  // creating, created, running, paused, stopped
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339, as printed
  std::string owner;
  std::map<std::string, std::string> annotations;
};

absl::StatusOr<ContainerState> ParseState(std::string_view json_text);

// `ps --format json`: a JSON array of pids (runc prints `null` for none).
absl::StatusOr<std::vector<pid_t>> ParsePids(std::string_view json_text);

// A pid file's content: one positive decimal number, surrounding whitespace
// allowed. `path` only names the file in errors.
absl::StatusOr<pid_t> ParsePidFile(std::string_view content, const std::string& path);

// Reads and parses a pid file the runtime has finished writing. runc and
// berth-runtime write it atomically (temp file + rename); crun does not, but
// it is complete by the time the runtime exits, which is when we read it.
absl::StatusOr<pid_t> ReadPidFile(const std::string& path);

}  // namespace berth::shim

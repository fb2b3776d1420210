// Turning a failed runtime command into a Status that carries the runtime's
// own words. runc, crun and berth-runtime report a failure as a non-zero exit
// plus an error record in their --log file ({"level":"error","msg":...} with
// --log-format json), so that is where the message comes from; stderr and
// the exit status are fallbacks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/scoped_pid.h"

namespace berth::shim {

// The message of the last error-level record among JSON log lines (error,
// fatal or panic, as logrus names them), trimmed; "" when there is none.
// Lines that are not JSON objects are skipped.
std::string LastLoggedError(std::string_view log_text);

// Size of the log file now: where the next command's records will start.
// A missing file is 0.
uint64_t LogOffset(const std::string& path);

// What was appended to the log file since `offset` (all of it if the file
// shrank, as after rotation), at most the last 1 MiB. A missing file is "".
absl::StatusOr<std::string> ReadLogSince(const std::string& path, uint64_t offset);

// The message in what a runtime printed on stderr: the last line, and of a
// logrus text record (`time=... level=error msg="..."`) or a JSON record
// just its msg. "" when stderr was empty.
std::string MessageFromStderr(std::string_view stderr_text);

// NotFound, AlreadyExists, FailedPrecondition or Unknown, from the wording
// the runtimes use (they print no codes).
absl::StatusCode CodeForRuntimeMessage(std::string_view message);

struct RuntimeFailure {
  std::string runtime;  // "runc", "berth-runtime" (basename of the binary)
  std::string command;  // "create"
  ExitStatus status;
  std::string logged_error;  // LastLoggedError of this command's records
  std::string stderr_text;   // what it printed on stderr, if captured
};

// "<runtime> <command>: <message>", the message being the logged error, else
// the stderr one, else "exit status N" / "killed by signal N"; the code from
// CodeForRuntimeMessage.
absl::Status RuntimeError(const RuntimeFailure& failure);

}  // namespace berth::shim

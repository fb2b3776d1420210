// The container log: what berth-shim does with a container's stdout and
// stderr when they go to a file (docker's json-file driver, or the Kubernetes
// CRI format that kubelet reads).
//
// The namespace is `logs`, not `log`, so that berth::log (the program's own
// logger) stays reachable as log:: from everywhere in berth::shim.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::shim::logs {

enum class Stream { kStdout, kStderr };

// "stdout" / "stderr", as both formats spell them.
std::string_view StreamName(Stream stream);

using LogTime = std::chrono::system_clock::time_point;

// Turns the bytes a container writes into log records. Not thread-safe: the
// shim calls it from the one loop that reads both pipes.
class LogWriter {
 public:
  virtual ~LogWriter() = default;

  // Takes `data` as read from the stream's pipe: any number of lines, cut
  // anywhere. Complete lines become records now, a line still open is kept
  // (per stream) until its end arrives. `now` stamps the records. On a write
  // error (ENOSPC, EIO...) the records of this call are dropped and the error,
  // naming the file, is returned; the writer stays usable.
  virtual absl::Status Write(Stream stream, std::string_view data, LogTime now) = 0;

  // The stream reached EOF: a line still open is written as a partial record
  // (no newline). The stream may be written again afterwards.
  virtual absl::Status CloseStream(Stream stream, LogTime now) = 0;

  // Opens the log path again, after something else (kubelet's
  // ReopenContainerLog, logrotate) moved the file away. Lines still open stay
  // buffered and land in the new file. On error the old file stays in use.
  virtual absl::Status Reopen() = 0;
};

struct LogConfig {
  std::string format;    // "json-file", "cri", or "" for no log file
  std::string path;      // absolute; the directory must exist
  int64_t max_size = 0;  // bytes per file before rotation; 0 is unlimited
  int max_file = 1;      // files kept, the current one included (docker's max-file)
};

// Checks `config` (InvalidArgument naming the bad field) and opens its file
// for appending, created 0640. A missing directory is NotFound. With no format
// the writer discards everything.
absl::StatusOr<std::unique_ptr<LogWriter>> OpenLogWriter(const LogConfig& config);

}  // namespace berth::shim::logs

// Reading a container's json-file log the way `docker logs` does: the
// rotated files and the live one oldest first, tail / since / until / stream
// selection, and follow (new records as the shim writes them, across
// rotations, until the container has exited and everything is read).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "engined/logs/log_record.h"

namespace berth::engined::logs {

struct LogReadOptions {
  // The live file ("<id>-json.log"); rotated ones are path.1 (newest) ...
  // path.<max_files-1> (oldest), as the shim's LogFile rotates them.
  std::string path;
  // docker's max-file: files kept, the live one included.
  int max_files = 1;

  bool show_stdout = true;
  bool show_stderr = true;
  // The last `tail` records across all files, counted as docker counts them:
  // over every line of the files, before since / until / stream selection.
  // -1: all.
  int64_t tail = -1;
  // Records older than `since` are skipped; the first record newer than
  // `until` ends the read (docker's Before / After tests: the bounds
  // themselves are included). Nanoseconds since the epoch.
  std::optional<int64_t> since_nanos;
  std::optional<int64_t> until_nanos;

  // After the existing records, wait for new ones (inotify, no polling).
  bool follow = false;
  // Follow ends once this returns true and the file has been read to its
  // end (the container has exited: nothing more will be written). Checked
  // on every wake-up, and once a second when there is no wake_fd.
  std::function<bool()> stopped;
  // Optional fd (eventfd or pipe) the caller makes readable to wake the
  // follower at once; what is readable is consumed, then `stopped` checked.
  int wake_fd = -1;
};

// Receives each selected record in order; returning false ends the read
// (the client went away).
using LogSink = std::function<bool(const LogRecord&)>;

// Reads per `options`, calling `sink` from this thread. A missing log file
// reads as empty (while following: until it appears). Corrupt lines are
// skipped with a warning naming the file; a line still being written is
// waited for when following and left out otherwise. Errors name the path.
absl::Status ReadLogs(const LogReadOptions& options, const LogSink& sink);

}  // namespace berth::engined::logs

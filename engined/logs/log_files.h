// The files of one json-file log as the reader holds them: open fds (so a
// rotation while reading loses nothing), each with the offset read so far.
// Internal to the reader and the follower.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::engined::logs {

struct LogFileHandle {
  UniqueFd fd;
  std::string path;  // the name it had when opened, for messages
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t offset = 0;  // next byte to read

  bool Is(const struct stat& st) const { return st.st_dev == dev && st.st_ino == ino; }
};

// Opens `path` read-only; nullopt when it does not exist.
absl::StatusOr<std::optional<LogFileHandle>> OpenLogFile(const std::string& path);

struct LogChain {
  std::vector<LogFileHandle> rotated;  // oldest first
  std::optional<LogFileHandle> live;
};

// Opens path.<max_files-1> ... path.1 and path. The shim renames without
// telling us, so the set is opened again when a file shows up twice (a
// rotation ran while we opened).
absl::StatusOr<LogChain> OpenLogChain(const std::string& path, int max_files);

// Moves the offsets so that only the last `n` complete lines of the chain
// are read (older files are skipped entirely). A line still being written at
// the end of the live file does not count.
absl::Status SeekTail(LogChain* chain, int64_t n);

// Reads `file` from its offset to its current end, calling `on_line` with
// each complete line (without '\n'). Bytes after the last '\n' stay in
// `pending` for the next call. Returns false when `on_line` did.
absl::StatusOr<bool> ReadLines(LogFileHandle* file, std::string* pending,
                               const std::function<bool(std::string_view)>& on_line);

}  // namespace berth::engined::logs

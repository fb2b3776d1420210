// Whole-file reads and writes, atomic replacement and directory helpers.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth {

absl::StatusOr<std::string> ReadFile(const std::string& path);
// Reads a file relative to an open directory fd.
absl::StatusOr<std::string> ReadFileAt(int dir_fd, const std::string& path);

// Writes `data` to an existing file (no create, no truncate semantics beyond
// O_TRUNC), in one write: the way cgroup and /proc knobs want to be written.
absl::Status WriteExistingFile(const std::string& path, std::string_view data);

// Creates or truncates `path` with `mode` and writes `data`.
absl::Status WriteFile(const std::string& path, std::string_view data, mode_t mode = 0644);

enum class Durability {
  kDurable,       // fsync file and directory: survives power loss (daemon metadata)
  kProcessCrash,  // rename only: survives the writer crashing (state on tmpfs,
                  // which a reboot clears anyway)
};

// Replaces `path` atomically: writes a temp file in the same directory,
// renames it over `path` (after fsync of file and directory when durable),
// so a crash leaves either the old or the new content, never a torn file.
absl::Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644,
                             Durability durability = Durability::kDurable);

// mkdir -p. Existing directories are fine; an existing non-directory is not.
absl::Status MkdirAll(const std::string& path, mode_t mode = 0755);

// rm -rf that never crosses into another filesystem (a mount point below
// `path` is an error rather than something to empty). Missing path is fine.
absl::Status RemoveAll(const std::string& path);

bool PathExists(const std::string& path);

// Adds O_NONBLOCK to an open descriptor's status flags.
absl::Status SetNonBlocking(int fd);

// Joins with exactly one '/' between parts.
std::string JoinPath(std::string_view a, std::string_view b);

// Lexical clean-up of an absolute or relative path: collapses "//", "." and
// "..", as Go's filepath.Clean does. Never touches the filesystem.
std::string CleanPath(std::string_view path);

}  // namespace berth

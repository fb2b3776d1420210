// Starting child processes safely from multi-threaded programs.
//
// Built on glibc's posix_spawn (clone(CLONE_VM|CLONE_VFORK) underneath), so
// nothing but async-signal-safe work happens between fork and exec, and an
// exec failure comes back as this call's error rather than a child that
// exits 127.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"

namespace berth {

struct SpawnOptions {
  // argv[0] is the program: a path, or a name looked up in PATH when
  // search_path is set, unless `program` names it separately.
  std::vector<std::string> argv;
  std::string program;
  // The child's environment; nullopt inherits this process's.
  std::optional<std::vector<std::string>> env;
  // The child's fds, {child_fd, parent_fd}. The child gets exactly these plus
  // stdio; every other fd is closed. Unmapped 0/1/2 are /dev/null unless
  // inherit_stdio is set.
  std::vector<std::pair<int, int>> fds;
  bool inherit_stdio = false;
  std::string cwd;
  bool new_session = false;
  bool search_path = false;
};

absl::StatusOr<ScopedPid> Spawn(const SpawnOptions& options);

// Runs a program to completion, capturing stdout and stderr (each capped at
// 1 MiB). For short helper programs only.
struct SpawnResult {
  ExitStatus status;
  std::string out;
  std::string err;
};
// With a timeout, a program still running when it expires is killed
// (SIGKILL) and the result is DeadlineExceeded.
absl::StatusOr<SpawnResult> RunAndCapture(
    const SpawnOptions& options, const std::string& stdin_data = "",
    std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// Where the companion program `name` of this project is: `name` itself if
// it holds a '/'; else beside this executable, then in the build tree's
// ../<build_dir>/ next to it, then in PATH; else `name` unchanged (a later
// exec reports it missing).
std::string FindCompanionProgram(const std::string& name, const std::string& build_dir);

}  // namespace berth

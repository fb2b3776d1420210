// Tests that run containers play the part of a shim: they are the child
// subreaper, so detached containers and their processes come back to them
// and must be reaped promptly (a zombie init keeps its v1 cgroups busy).
// One thread reaps every child and keeps the statuses; tests wait through
// it instead of calling waitpid themselves.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"
#include "common/spawn.h"

namespace berth::testing {

// Makes this process a child subreaper and starts the reaping thread (once).
void StartChildReaper();

// Waits for a child started by this process (Spawn result released).
// On timeout the child is killed and DeadlineExceeded returned.
absl::StatusOr<ExitStatus> WaitChild(pid_t pid, std::chrono::milliseconds timeout);

// Spawn + WaitChild, with stdout / stderr captured through temp files (a
// detached container may keep inherited pipes open long after).
absl::StatusOr<SpawnResult> RunCommand(SpawnOptions options, const std::string& stdin_data,
                                       std::chrono::milliseconds timeout,
                                       const std::string& scratch_dir);

}  // namespace berth::testing

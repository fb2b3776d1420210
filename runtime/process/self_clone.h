// Protection against CVE-2019-5736: a container process must never be able
// to write to the runtime binary through /proc/<pid>/exe of a runtime
// process that entered the container.
#pragma once

#include "absl/status/status.h"

namespace berth::runtime::process {

// If this process does not already run from a sealed memfd copy of itself,
// makes one (copy, seal against writes and resizes) and re-executes from it
// with the same argv and environment. Returns OK only when already sealed;
// on success of the re-exec it does not return.
absl::Status EnsureSealedSelf(char** argv);

// True when /proc/self/exe is a memfd sealed against writes.
bool RunningFromSealedCopy();

}  // namespace berth::runtime::process

// Protection against CVE-2019-5736: a container process must never be able
// to write to the runtime binary through /proc/<pid>/exe of a runtime
// process that entered the container.
#pragma once

#include "absl/status/status.h"

namespace berth::runtime::process {

// If this process does not already run from a sealed binary, re-executes
// itself with the same argv and environment from one: through a read-only,
// detached, lower-only overlayfs of the binary's directory when it can (no
// copy; root with overlayfs), else from a copy in a memfd sealed against
// writes and resizes (always with BERTH_RUNTIME_SEAL=memfd in the
// environment). Returns OK only when already sealed; on success of the
// re-exec it does not return.
absl::Status EnsureSealedSelf(char** argv);

// True when /proc/self/exe is a sealed memfd, or this process was executed
// from EnsureSealedSelf's overlay (and the binary is on a read-only one).
bool RunningFromSealedCopy();

}  // namespace berth::runtime::process

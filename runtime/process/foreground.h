// `run` and `exec` without --detach: the runtime stays, forwards signals to
// the container process, relays its terminal when it made one, and exits
// with its status.
#pragma once

#include <sys/types.h>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::runtime::process {

// Signals the runtime relays to the container process (plus SIGCHLD, which
// it handles itself). Block them before creating the process so none is
// lost; the container process resets its mask.
void BlockForwardedSignals();

struct Foreground {
  pid_t pid = 0;      // the process whose exit ends the wait
  UniqueFd console;   // pty master to relay to our stdin / stdout, if any
};

// Waits for `pid` (a child, or a descendant reparented to us as subreaper),
// reaping everything else that reparents meanwhile. Returns the exit code
// as a shell reports it (128 + signal for a signal death).
absl::StatusOr<int> WaitInForeground(Foreground foreground);

}  // namespace berth::runtime::process

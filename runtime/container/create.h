// create (and the first half of run): from a bundle to an init process that
// waits for start, with its state recorded under --root.
#pragma once

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"
#include "common/unique_fd.h"
#include "runtime/commands/options.h"
#include "runtime/container/state.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::container {

struct Created {
  State state;
  spec::Spec spec;
  ScopedPid child;        // init when it is our child; release to keep it
  UniqueFd console;       // the pty master, when we asked to relay the terminal
};

// With `relay_console`, a terminal without --console-socket is allowed: the
// pty master comes back in Created::console (run in the foreground).
absl::StatusOr<Created> CreateContainer(const GlobalOptions& g, const CreateOptions& o,
                                        bool relay_console);

// Lets a created container's init run the program: the exec.fifo byte, then
// poststart hooks (warnings only, as the spec says).
absl::Status StartContainer(const StateStore& store, const State& state, const spec::Spec& spec);

// Checks that fds 3..3+n-1 are open and are not ours (the log file), so
// --preserve-fds can never hand a runtime fd to the container.
absl::Status CheckPreservedFds(uint32_t n);

}  // namespace berth::runtime::container

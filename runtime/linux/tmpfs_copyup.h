// tmpfs with "tmpcopyup": the new tmpfs starts with a copy of what was in
// the directory it covers (as runc and crun do for e.g. /etc in images).
#pragma once

#include <string>

#include "absl/status/status.h"

namespace berth::runtime::linux {

// Creates a detached tmpfs (fsopen/fsmount) with `flags` (MS_*) and `data`
// ("size=..,mode=.."), copies the content of `target_fd`'s directory into
// it, then moves it onto `target_fd`.
absl::Status MountTmpfsCopyUp(int target_fd, unsigned long flags, const std::string& data,
                              const std::string& what);

// Copies the tree under `src_dir_fd` into `dst_dir_fd` keeping modes,
// owners, times, symlinks, fifos and device nodes.
absl::Status CopyTree(int src_dir_fd, int dst_dir_fd, const std::string& what);

}  // namespace berth::runtime::linux

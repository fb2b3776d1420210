// clone3(2) for a child that continues on a copy of our stack, like fork,
// but can start in new namespaces.
#pragma once

#include <sys/types.h>

#include "absl/status/statusor.h"

namespace berth::runtime::process {

// Returns 0 in the child, the child's pid in the parent.
absl::StatusOr<pid_t> CloneProcess(int namespace_flags);

}  // namespace berth::runtime::process

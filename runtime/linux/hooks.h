// OCI lifecycle hooks: each gets the container state JSON on stdin and must
// finish within its timeout.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// Runs `hooks` in order; the first failure stops the rest and is returned,
// naming the phase ("createRuntime"), the hook path and its stderr.
absl::Status RunHooks(const std::vector<spec::Hook>& hooks, const std::string& phase,
                      const std::string& state_json);

// For poststart and poststop, where a failure is only a warning (spec):
// runs every hook and logs failures.
void RunHooksWarnOnly(const std::vector<spec::Hook>& hooks, const std::string& phase,
                      const std::string& state_json);

}  // namespace berth::runtime::linux

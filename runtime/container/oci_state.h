// The runtime-spec state object: what `state` prints and hooks read on stdin.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "common/json_util.h"

namespace berth::runtime::container {

json::Json OciStateJson(const std::string& id, const std::string& status, pid_t pid,
                        const std::string& bundle,
                        const std::map<std::string, std::string>& annotations);

struct State;
// The state object for a recorded container with the given status.
json::Json OciStateJsonFor(const State& state, const std::string& status);

}  // namespace berth::runtime::container

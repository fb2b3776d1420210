// Reads the output of `<runtime> events --stats ID` (runc's JSON, which
// berth-runtime and crun print too) into the shim's stats.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "shim/task/types.h"

namespace berth::shim::task {

absl::StatusOr<TaskStats> ParseRuntimeStats(std::string_view json_text);

}  // namespace berth::shim::task

// Signal names and numbers as runc's kill accepts them.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace berth::runtime {

// "KILL", "SIGKILL", "9", "sigterm", "SIGRTMIN+3" -> number.
absl::StatusOr<int> ParseSignal(const std::string& text);

}  // namespace berth::runtime

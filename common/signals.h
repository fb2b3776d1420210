// Signal names and numbers as runc's kill and docker accept them.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace berth {

// "KILL", "SIGKILL", "9", "sigterm", "SIGRTMIN+3" -> number.
absl::StatusOr<int> ParseSignal(const std::string& text);

}  // namespace berth

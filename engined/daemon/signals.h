// Signal names as docker takes them: "SIGTERM", "TERM", "term" or "15".
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace berth::engined {

absl::StatusOr<int> ParseSignal(const std::string& text);

}  // namespace berth::engined

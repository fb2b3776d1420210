// Signal names and numbers as runc's kill and docker accept them.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace berth {

// "KILL", "SIGKILL", "9", "sigterm", "SIGRTMIN+3" -> number.
absl::StatusOr<int> ParseSignal(const std::string& text);

// The name docker's CLI sends for signal `sig` (moby/sys/signal's
// SignalMap, without "SIG"): "USR1", "RTMIN+3", "RTMAX-2"; "" for a number
// that names no signal. ParseSignal(SignalName(n)) == n.
std::string SignalName(int sig);

}  // namespace berth

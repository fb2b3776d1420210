// Telling the daemon's refusals from the CLI's own failures, so commands
// print them as docker does ("Error response from daemon: ...").
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace berth::cli::client {

// A status for an HTTP error answer: the code from the HTTP status (404
// NotFound, 409 FailedPrecondition, 400 InvalidArgument, 401/403
// PermissionDenied/Unauthenticated, 5xx Internal...), `message` as is, and a
// payload marking it as the daemon's.
absl::Status DaemonError(int http_status, std::string_view message);
bool IsDaemonError(const absl::Status& status);
// The line the CLI prints: "Error response from daemon: <message>" for a
// daemon's error, the message alone otherwise.
std::string ErrorLine(const absl::Status& status);

}  // namespace berth::cli::client

#include "cli/client/errors.h"

#include "absl/strings/cord.h"

namespace berth::cli::client {
namespace {

constexpr char kDaemonPayload[] = "berth.cli/daemon-error";

absl::StatusCode CodeForHttp(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kFailedPrecondition;
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 503:
      return absl::StatusCode::kUnavailable;
    default:
      return http_status >= 500 ? absl::StatusCode::kInternal : absl::StatusCode::kUnknown;
  }
}

}  // namespace

absl::Status DaemonError(int http_status, std::string_view message) {
  absl::Status status(CodeForHttp(http_status), absl::string_view(message.data(), message.size()));
  status.SetPayload(kDaemonPayload, absl::Cord(std::to_string(http_status)));
  return status;
}

bool IsDaemonError(const absl::Status& status) {
  return status.GetPayload(kDaemonPayload).has_value();
}

std::string ErrorLine(const absl::Status& status) {
  std::string message(status.message());
  return IsDaemonError(status) ? "Error response from daemon: " + message : message;
}

}  // namespace berth::cli::client

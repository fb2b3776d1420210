// The lease a call works under: the "berth-lease" metadata entry
// (containerd's "containerd-lease"), none when absent. What the call
// creates — committed content, prepared and committed snapshots, created
// images — is added to it, so a collection before the client records a
// root for it does not take it.
#pragma once

#include <grpcpp/server_context.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::containerd::services {

inline constexpr std::string_view kLeaseMetadataKey = "berth-lease";

// "" when the call names no lease. InvalidArgument when given more than
// once or empty.
absl::StatusOr<std::string> RequestLease(const grpc::ServerContextBase& context);

}  // namespace berth::containerd::services

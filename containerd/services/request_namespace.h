// The namespace a call is scoped to: the "berth-namespace" metadata entry
// (containerd's "containerd-namespace"), "default" when absent.
#pragma once

#include <grpcpp/server_context.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::containerd::services {

inline constexpr std::string_view kNamespaceMetadataKey = "berth-namespace";

// InvalidArgument when the name breaks containerd's identifier rule or is
// given more than once.
absl::StatusOr<std::string> RequestNamespace(const grpc::ServerContextBase& context);

}  // namespace berth::containerd::services

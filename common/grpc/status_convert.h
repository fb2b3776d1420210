// absl::Status <-> grpc::Status. Only the transport adapters call these
// (STYLE.md: the wire codes are the adapter's business); the codes map 1:1.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace berth::grpcutil {

grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace berth::grpcutil

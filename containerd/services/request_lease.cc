#include "containerd/services/request_lease.h"

#include "common/status.h"

namespace berth::containerd::services {

absl::StatusOr<std::string> RequestLease(const grpc::ServerContextBase& context) {
  auto [begin, end] = context.client_metadata().equal_range(
      grpc::string_ref(kLeaseMetadataKey.data(), kLeaseMetadataKey.size()));
  if (begin == end) return std::string();
  if (std::next(begin) != end) {
    return InvalidArgumentf("metadata {} given more than once", kLeaseMetadataKey);
  }
  std::string lease(begin->second.data(), begin->second.size());
  if (lease.empty()) return InvalidArgumentf("metadata {}: empty lease id", kLeaseMetadataKey);
  return lease;
}

}  // namespace berth::containerd::services

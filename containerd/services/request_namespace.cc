#include "containerd/services/request_namespace.h"

#include "common/id.h"
#include "common/status.h"
#include "containerd/core/metadata/namespaces.h"

namespace berth::containerd::services {

absl::StatusOr<std::string> RequestNamespace(const grpc::ServerContextBase& context) {
  auto [begin, end] = context.client_metadata().equal_range(
      grpc::string_ref(kNamespaceMetadataKey.data(), kNamespaceMetadataKey.size()));
  if (begin == end) return std::string(metadata::kDefaultNamespace);
  std::string ns(begin->second.data(), begin->second.size());
  if (std::next(begin) != end) {
    return InvalidArgumentf("metadata {} given more than once", kNamespaceMetadataKey);
  }
  if (absl::Status valid = ValidateContainerdId(ns); !valid.ok()) {
    return WithContext(valid, "namespace");
  }
  return ns;
}

}  // namespace berth::containerd::services

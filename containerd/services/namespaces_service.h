// Namespaces over the metadata store; each change is published as an event.
#pragma once

#include "berth/containerd/v1/namespaces.grpc.pb.h"
#include "containerd/core/events/exchange.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::services {

class NamespacesService final : public berth::containerd::v1::Namespaces::Service {
 public:
  NamespacesService(metadata::Store* store, events::Exchange* exchange)
      : store_(store), exchange_(exchange) {}

  grpc::Status Get(grpc::ServerContext* context,
                   const berth::containerd::v1::GetNamespaceRequest* request,
                   berth::containerd::v1::GetNamespaceResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListNamespacesRequest* request,
                    berth::containerd::v1::ListNamespacesResponse* response) override;
  grpc::Status Create(grpc::ServerContext* context,
                      const berth::containerd::v1::CreateNamespaceRequest* request,
                      berth::containerd::v1::CreateNamespaceResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const berth::containerd::v1::UpdateNamespaceRequest* request,
                      berth::containerd::v1::UpdateNamespaceResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const berth::containerd::v1::DeleteNamespaceRequest* request,
                      google::protobuf::Empty* response) override;

 private:
  metadata::Store* const store_;
  events::Exchange* const exchange_;
};

}  // namespace berth::containerd::services

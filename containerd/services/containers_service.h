// Containers over the metadata store, scoped by the call's namespace; each
// change is published as an event.
#pragma once

#include "berth/containerd/v1/containers.grpc.pb.h"
#include "containerd/core/events/exchange.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::services {

class ContainersService final : public berth::containerd::v1::Containers::Service {
 public:
  ContainersService(metadata::Store* store, events::Exchange* exchange)
      : store_(store), exchange_(exchange) {}

  grpc::Status Get(grpc::ServerContext* context,
                   const berth::containerd::v1::GetContainerRequest* request,
                   berth::containerd::v1::GetContainerResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListContainersRequest* request,
                    berth::containerd::v1::ListContainersResponse* response) override;
  grpc::Status Create(grpc::ServerContext* context,
                      const berth::containerd::v1::CreateContainerRequest* request,
                      berth::containerd::v1::CreateContainerResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const berth::containerd::v1::UpdateContainerRequest* request,
                      berth::containerd::v1::UpdateContainerResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const berth::containerd::v1::DeleteContainerRequest* request,
                      google::protobuf::Empty* response) override;

 private:
  metadata::Store* const store_;
  events::Exchange* const exchange_;
};

}  // namespace berth::containerd::services

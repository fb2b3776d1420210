// Containers over the metadata store, scoped by the call's namespace; each
// change is published as an event. Delete schedules a garbage collection:
// the container's snapshot is no longer a root.
#pragma once

#include "berth/containerd/v1/containers.grpc.pb.h"
#include "containerd/core/events/exchange.h"
#include "containerd/core/gc/scheduler.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::services {

class ContainersService final : public berth::containerd::v1::Containers::Service {
 public:
  // `gc` may be null: nothing is scheduled.
  ContainersService(metadata::Store* store, events::Exchange* exchange, gc::Scheduler* gc = nullptr)
      : store_(store), exchange_(exchange), gc_(gc) {}

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
  gc::Scheduler* const gc_;
};

}  // namespace berth::containerd::services

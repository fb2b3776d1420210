// Leases over the metadata store, scoped by the call's namespace. Delete
// schedules a garbage collection, or runs one before returning with sync.
#pragma once

#include "berth/containerd/v1/leases.grpc.pb.h"
#include "containerd/core/gc/scheduler.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::services {

class LeasesService final : public berth::containerd::v1::Leases::Service {
 public:
  LeasesService(metadata::Store* store, gc::Scheduler* gc) : store_(store), gc_(gc) {}

  grpc::Status Create(grpc::ServerContext* context,
                      const berth::containerd::v1::CreateLeaseRequest* request,
                      berth::containerd::v1::CreateLeaseResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const berth::containerd::v1::DeleteLeaseRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListLeasesRequest* request,
                    berth::containerd::v1::ListLeasesResponse* response) override;
  grpc::Status AddResource(grpc::ServerContext* context,
                           const berth::containerd::v1::AddResourceRequest* request,
                           google::protobuf::Empty* response) override;
  grpc::Status DeleteResource(grpc::ServerContext* context,
                              const berth::containerd::v1::DeleteResourceRequest* request,
                              google::protobuf::Empty* response) override;
  grpc::Status ListResources(grpc::ServerContext* context,
                             const berth::containerd::v1::ListResourcesRequest* request,
                             berth::containerd::v1::ListResourcesResponse* response) override;

 private:
  metadata::Store* const store_;
  gc::Scheduler* const gc_;
};

}  // namespace berth::containerd::services

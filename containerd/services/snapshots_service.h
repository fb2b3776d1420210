// Snapshots over the daemon's snapshotters, by name, scoped by the call's
// namespace. Prepare, View and Commit add the snapshot to the call's lease;
// Remove schedules a garbage collection (its parents may be garbage now).
#pragma once

#include "berth/containerd/v1/snapshots.grpc.pb.h"
#include "containerd/core/gc/scheduler.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/snapshotter_set.h"

namespace berth::containerd::services {

class SnapshotsService final : public berth::containerd::v1::Snapshots::Service {
 public:
  SnapshotsService(const snapshots::SnapshotterSet* snapshotters, metadata::Store* store,
                   gc::Scheduler* gc)
      : snapshotters_(snapshotters), store_(store), gc_(gc) {}

  grpc::Status Prepare(grpc::ServerContext* context,
                       const berth::containerd::v1::PrepareSnapshotRequest* request,
                       berth::containerd::v1::PrepareSnapshotResponse* response) override;
  grpc::Status View(grpc::ServerContext* context,
                    const berth::containerd::v1::ViewSnapshotRequest* request,
                    berth::containerd::v1::ViewSnapshotResponse* response) override;
  grpc::Status Mounts(grpc::ServerContext* context,
                      const berth::containerd::v1::MountsRequest* request,
                      berth::containerd::v1::MountsResponse* response) override;
  grpc::Status Commit(grpc::ServerContext* context,
                      const berth::containerd::v1::CommitSnapshotRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status Remove(grpc::ServerContext* context,
                      const berth::containerd::v1::RemoveSnapshotRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status Stat(grpc::ServerContext* context,
                    const berth::containerd::v1::StatSnapshotRequest* request,
                    berth::containerd::v1::StatSnapshotResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const berth::containerd::v1::UpdateSnapshotRequest* request,
                      berth::containerd::v1::UpdateSnapshotResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListSnapshotsRequest* request,
                    berth::containerd::v1::ListSnapshotsResponse* response) override;
  grpc::Status Usage(grpc::ServerContext* context,
                     const berth::containerd::v1::UsageRequest* request,
                     berth::containerd::v1::UsageResponse* response) override;

 private:
  const snapshots::SnapshotterSet* const snapshotters_;
  metadata::Store* const store_;
  gc::Scheduler* const gc_;
};

}  // namespace berth::containerd::services

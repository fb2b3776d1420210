#include "containerd/services/snapshots_service.h"

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "containerd/core/leases/leased_snapshotter.h"
#include "containerd/services/proto_convert.h"
#include "containerd/services/request_lease.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;

void ToProto(const std::vector<snapshots::Mount>& mounts,
             google::protobuf::RepeatedPtrField<pb::Mount>* out) {
  for (const snapshots::Mount& m : mounts) {
    pb::Mount* p = out->Add();
    p->set_type(m.type);
    p->set_source(m.source);
    p->set_target(m.target);
    for (const std::string& o : m.options) p->add_options(o);
  }
}

pb::SnapshotKind ToProto(snapshots::Kind kind) {
  switch (kind) {
    case snapshots::Kind::kView:
      return pb::SNAPSHOT_KIND_VIEW;
    case snapshots::Kind::kActive:
      return pb::SNAPSHOT_KIND_ACTIVE;
    case snapshots::Kind::kCommitted:
      return pb::SNAPSHOT_KIND_COMMITTED;
  }
  return pb::SNAPSHOT_KIND_UNKNOWN;
}

void ToProto(const snapshots::Info& info, pb::SnapshotInfo* out) {
  out->set_name(info.name);
  out->set_parent(info.parent);
  out->set_kind(ToProto(info.kind));
  services::ToProto(info.created, out->mutable_created_at());
  services::ToProto(info.updated, out->mutable_updated_at());
  out->mutable_labels()->insert(info.labels.begin(), info.labels.end());
}

metadata::Labels Labels(const google::protobuf::Map<std::string, std::string>& labels) {
  return {labels.begin(), labels.end()};
}

// The namespace and snapshotter of a call, then `fn(ns, snapshotter)`.
template <typename Fn>
grpc::Status With(grpc::ServerContext* context, const snapshots::SnapshotterSet& set,
                  const std::string& name, Fn&& fn) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<snapshots::Snapshotter*> sn = set.Get(name);
  if (!sn.ok()) return ToGrpc(sn.status());
  return ToGrpc(fn(*ns, **sn));
}

// As With, through a snapshotter that adds what it creates to the call's
// lease, if the call names one.
template <typename Fn>
grpc::Status WithLease(grpc::ServerContext* context, const snapshots::SnapshotterSet& set,
                       metadata::Store* store, const std::string& name, Fn&& fn) {
  absl::StatusOr<std::string> lease = RequestLease(*context);
  if (!lease.ok()) return ToGrpc(lease.status());
  return With(context, set, name, [&](const std::string& ns, snapshots::Snapshotter& sn) {
    if (lease->empty()) return fn(ns, sn);
    leases::LeaseTracker held(store, ns, *lease);
    leases::LeasedSnapshotter leased(sn, held);
    return fn(ns, leased);
  });
}

}  // namespace

grpc::Status SnapshotsService::Prepare(grpc::ServerContext* context,
                                       const pb::PrepareSnapshotRequest* request,
                                       pb::PrepareSnapshotResponse* response) {
  return WithLease(context, *snapshotters_, store_, request->snapshotter(),
                   [&](const std::string& ns, snapshots::Snapshotter& sn) -> absl::Status {
                     BERTH_ASSIGN_OR_RETURN(std::vector<snapshots::Mount> mounts,
                                            sn.Prepare(ns, request->key(), request->parent(),
                                                       Labels(request->labels())));
                     ToProto(mounts, response->mutable_mounts());
                     return absl::OkStatus();
                   });
}

grpc::Status SnapshotsService::View(grpc::ServerContext* context,
                                    const pb::ViewSnapshotRequest* request,
                                    pb::ViewSnapshotResponse* response) {
  return WithLease(context, *snapshotters_, store_, request->snapshotter(),
                   [&](const std::string& ns, snapshots::Snapshotter& sn) -> absl::Status {
                     BERTH_ASSIGN_OR_RETURN(
                         std::vector<snapshots::Mount> mounts,
                         sn.View(ns, request->key(), request->parent(), Labels(request->labels())));
                     ToProto(mounts, response->mutable_mounts());
                     return absl::OkStatus();
                   });
}

grpc::Status SnapshotsService::Mounts(grpc::ServerContext* context,
                                      const pb::MountsRequest* request,
                                      pb::MountsResponse* response) {
  return With(context, *snapshotters_, request->snapshotter(),
              [&](const std::string& ns, snapshots::Snapshotter& sn) -> absl::Status {
                BERTH_ASSIGN_OR_RETURN(std::vector<snapshots::Mount> mounts,
                                       sn.Mounts(ns, request->key()));
                ToProto(mounts, response->mutable_mounts());
                return absl::OkStatus();
              });
}

grpc::Status SnapshotsService::Commit(grpc::ServerContext* context,
                                      const pb::CommitSnapshotRequest* request,
                                      google::protobuf::Empty*) {
  return WithLease(context, *snapshotters_, store_, request->snapshotter(),
                   [&](const std::string& ns, snapshots::Snapshotter& sn) {
                     return sn.Commit(ns, request->name(), request->key(),
                                      Labels(request->labels()));
                   });
}

grpc::Status SnapshotsService::Remove(grpc::ServerContext* context,
                                      const pb::RemoveSnapshotRequest* request,
                                      google::protobuf::Empty*) {
  grpc::Status removed = With(context, *snapshotters_, request->snapshotter(),
                              [&](const std::string& ns, snapshots::Snapshotter& sn) {
                                return sn.Remove(ns, request->key());
                              });
  if (removed.ok()) gc_->Schedule();
  return removed;
}

grpc::Status SnapshotsService::Stat(grpc::ServerContext* context,
                                    const pb::StatSnapshotRequest* request,
                                    pb::StatSnapshotResponse* response) {
  return With(context, *snapshotters_, request->snapshotter(),
              [&](const std::string& ns, snapshots::Snapshotter& sn) -> absl::Status {
                BERTH_ASSIGN_OR_RETURN(snapshots::Info info, sn.Stat(ns, request->key()));
                ToProto(info, response->mutable_info());
                return absl::OkStatus();
              });
}

grpc::Status SnapshotsService::Update(grpc::ServerContext* context,
                                      const pb::UpdateSnapshotRequest* request,
                                      pb::UpdateSnapshotResponse* response) {
  return With(context, *snapshotters_, request->snapshotter(),
              [&](const std::string& ns, snapshots::Snapshotter& sn) -> absl::Status {
                snapshots::Info info;
                info.name = request->info().name();
                info.labels = Labels(request->info().labels());
                std::vector<std::string> paths(request->update_mask().paths().begin(),
                                               request->update_mask().paths().end());
                BERTH_ASSIGN_OR_RETURN(snapshots::Info updated, sn.Update(ns, info, paths));
                ToProto(updated, response->mutable_info());
                return absl::OkStatus();
              });
}

grpc::Status SnapshotsService::List(grpc::ServerContext* context,
                                    const pb::ListSnapshotsRequest* request,
                                    pb::ListSnapshotsResponse* response) {
  return With(context, *snapshotters_, request->snapshotter(),
              [&](const std::string& ns, snapshots::Snapshotter& sn) -> absl::Status {
                std::vector<std::string> filters(request->filters().begin(),
                                                 request->filters().end());
                BERTH_ASSIGN_OR_RETURN(std::vector<snapshots::Info> infos, sn.List(ns, filters));
                for (const snapshots::Info& info : infos) ToProto(info, response->add_info());
                return absl::OkStatus();
              });
}

grpc::Status SnapshotsService::Usage(grpc::ServerContext* context, const pb::UsageRequest* request,
                                     pb::UsageResponse* response) {
  return With(context, *snapshotters_, request->snapshotter(),
              [&](const std::string& ns, snapshots::Snapshotter& sn) -> absl::Status {
                BERTH_ASSIGN_OR_RETURN(snapshots::Usage usage, sn.Usage(ns, request->key()));
                response->set_size(usage.size);
                response->set_inodes(usage.inodes);
                return absl::OkStatus();
              });
}

}  // namespace berth::containerd::services

#include "containerd/services/leases_service.h"

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "containerd/core/metadata/leases.h"
#include "containerd/services/proto_convert.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;
using metadata::LeaseResource;
using metadata::LeaseStore;
using metadata::Transaction;

void ToProto(const metadata::Lease& lease, pb::Lease* out) {
  out->set_id(lease.id);
  services::ToProto(lease.created_at, out->mutable_created_at());
  out->mutable_labels()->insert(lease.labels.begin(), lease.labels.end());
}

absl::StatusOr<LeaseResource> FromProto(const pb::Resource& resource) {
  return LeaseResource::FromType(resource.type(), resource.id());
}

// The namespace of the call, then `fn(tx, leases)` in a transaction.
template <typename Fn>
grpc::Status InLeases(grpc::ServerContext* context, metadata::Store& store, bool write, Fn&& fn) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  auto run = [&](Transaction& tx) -> absl::Status {
    LeaseStore leases(tx, *ns);
    return fn(leases);
  };
  return ToGrpc(write ? store.Update(run) : store.View(run));
}

}  // namespace

grpc::Status LeasesService::Create(grpc::ServerContext* context,
                                   const pb::CreateLeaseRequest* request,
                                   pb::CreateLeaseResponse* response) {
  metadata::Lease lease;
  lease.id = request->id();
  lease.labels.insert(request->labels().begin(), request->labels().end());
  return InLeases(context, *store_, true, [&](LeaseStore& leases) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(metadata::Lease created, leases.Create(lease));
    ToProto(created, response->mutable_lease());
    return absl::OkStatus();
  });
}

grpc::Status LeasesService::Delete(grpc::ServerContext* context,
                                   const pb::DeleteLeaseRequest* request,
                                   google::protobuf::Empty*) {
  grpc::Status deleted = InLeases(context, *store_, true,
                                  [&](LeaseStore& leases) { return leases.Delete(request->id()); });
  if (!deleted.ok()) return deleted;
  if (request->sync()) {
    // containerd's semantics: what only this lease held is gone on return.
    absl::StatusOr<gc::Report> report = gc_->CollectNow();
    if (!report.ok()) return ToGrpc(WithContext(report.status(), "delete lease: collect"));
  } else {
    gc_->Schedule();
  }
  return grpc::Status::OK;
}

grpc::Status LeasesService::List(grpc::ServerContext* context, const pb::ListLeasesRequest* request,
                                 pb::ListLeasesResponse* response) {
  std::vector<std::string> filters(request->filters().begin(), request->filters().end());
  return InLeases(context, *store_, false, [&](LeaseStore& leases) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(std::vector<metadata::Lease> list, leases.List(filters));
    for (const metadata::Lease& lease : list) ToProto(lease, response->add_leases());
    return absl::OkStatus();
  });
}

grpc::Status LeasesService::AddResource(grpc::ServerContext* context,
                                        const pb::AddResourceRequest* request,
                                        google::protobuf::Empty*) {
  absl::StatusOr<LeaseResource> resource = FromProto(request->resource());
  if (!resource.ok()) return ToGrpc(resource.status());
  return InLeases(context, *store_, true,
                  [&](LeaseStore& leases) { return leases.AddResource(request->id(), *resource); });
}

grpc::Status LeasesService::DeleteResource(grpc::ServerContext* context,
                                           const pb::DeleteResourceRequest* request,
                                           google::protobuf::Empty*) {
  absl::StatusOr<LeaseResource> resource = FromProto(request->resource());
  if (!resource.ok()) return ToGrpc(resource.status());
  grpc::Status s = InLeases(context, *store_, true, [&](LeaseStore& leases) {
    return leases.DeleteResource(request->id(), *resource);
  });
  // What the lease let go of may now be garbage.
  if (s.ok()) gc_->Schedule();
  return s;
}

grpc::Status LeasesService::ListResources(grpc::ServerContext* context,
                                          const pb::ListResourcesRequest* request,
                                          pb::ListResourcesResponse* response) {
  return InLeases(context, *store_, false, [&](LeaseStore& leases) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(std::vector<LeaseResource> list, leases.ListResources(request->id()));
    for (const LeaseResource& r : list) {
      pb::Resource* out = response->add_resources();
      out->set_id(r.name);
      out->set_type(r.Type());
    }
    return absl::OkStatus();
  });
}

}  // namespace berth::containerd::services

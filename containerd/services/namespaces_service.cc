#include "containerd/services/namespaces_service.h"

#include "berth/containerd/v1/events.pb.h"
#include "common/grpc/status_convert.h"
#include "containerd/core/metadata/namespaces.h"
#include "containerd/services/proto_convert.h"
#include "containerd/services/publish.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;
using metadata::NamespaceStore;
using metadata::Transaction;

std::vector<std::string> Paths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

}  // namespace

grpc::Status NamespacesService::Get(grpc::ServerContext*, const pb::GetNamespaceRequest* request,
                                    pb::GetNamespaceResponse* response) {
  absl::StatusOr<metadata::Namespace> ns = store_->ViewValue(
      [&](Transaction& tx) { return NamespaceStore(tx).Get(request->name()); });
  if (!ns.ok()) return ToGrpc(ns.status());
  ToProto(*ns, response->mutable_namespace_());
  return grpc::Status::OK;
}

grpc::Status NamespacesService::List(grpc::ServerContext*,
                                     const pb::ListNamespacesRequest* request,
                                     pb::ListNamespacesResponse* response) {
  std::vector<std::string> filters;
  if (!request->filter().empty()) filters.push_back(request->filter());
  absl::StatusOr<std::vector<metadata::Namespace>> list =
      store_->ViewValue([&](Transaction& tx) { return NamespaceStore(tx).List(filters); });
  if (!list.ok()) return ToGrpc(list.status());
  for (const metadata::Namespace& ns : *list) ToProto(ns, response->add_namespaces());
  return grpc::Status::OK;
}

grpc::Status NamespacesService::Create(grpc::ServerContext*,
                                       const pb::CreateNamespaceRequest* request,
                                       pb::CreateNamespaceResponse* response) {
  absl::StatusOr<metadata::Namespace> ns = store_->UpdateValue(
      [&](Transaction& tx) { return NamespaceStore(tx).Create(FromProto(request->namespace_())); });
  if (!ns.ok()) return ToGrpc(ns.status());
  ToProto(*ns, response->mutable_namespace_());
  pb::NamespaceCreate event;
  event.set_name(ns->name);
  event.mutable_labels()->insert(ns->labels.begin(), ns->labels.end());
  Publish(*exchange_, ns->name, "/namespaces/create", event);
  return grpc::Status::OK;
}

grpc::Status NamespacesService::Update(grpc::ServerContext*,
                                       const pb::UpdateNamespaceRequest* request,
                                       pb::UpdateNamespaceResponse* response) {
  absl::StatusOr<metadata::Namespace> ns = store_->UpdateValue([&](Transaction& tx) {
    return NamespaceStore(tx).Update(FromProto(request->namespace_()),
                                     Paths(request->update_mask()));
  });
  if (!ns.ok()) return ToGrpc(ns.status());
  ToProto(*ns, response->mutable_namespace_());
  pb::NamespaceUpdate event;
  event.set_name(ns->name);
  event.mutable_labels()->insert(ns->labels.begin(), ns->labels.end());
  Publish(*exchange_, ns->name, "/namespaces/update", event);
  return grpc::Status::OK;
}

grpc::Status NamespacesService::Delete(grpc::ServerContext*,
                                       const pb::DeleteNamespaceRequest* request,
                                       google::protobuf::Empty*) {
  absl::Status deleted =
      store_->Update([&](Transaction& tx) { return NamespaceStore(tx).Delete(request->name()); });
  if (!deleted.ok()) return ToGrpc(deleted);
  pb::NamespaceDelete event;
  event.set_name(request->name());
  Publish(*exchange_, request->name(), "/namespaces/delete", event);
  return grpc::Status::OK;
}

}  // namespace berth::containerd::services

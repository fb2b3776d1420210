#include "containerd/services/containers_service.h"

#include "berth/containerd/v1/events.pb.h"
#include "common/grpc/status_convert.h"
#include "containerd/core/metadata/containers.h"
#include "containerd/services/proto_convert.h"
#include "containerd/services/publish.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;
using metadata::ContainerStore;
using metadata::Transaction;

}  // namespace

grpc::Status ContainersService::Get(grpc::ServerContext* context,
                                    const pb::GetContainerRequest* request,
                                    pb::GetContainerResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<metadata::Container> c = store_->ViewValue(
      [&](Transaction& tx) { return ContainerStore(tx, *ns).Get(request->id()); });
  if (!c.ok()) return ToGrpc(c.status());
  ToProto(*c, response->mutable_container());
  return grpc::Status::OK;
}

grpc::Status ContainersService::List(grpc::ServerContext* context,
                                     const pb::ListContainersRequest* request,
                                     pb::ListContainersResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  std::vector<std::string> filters(request->filters().begin(), request->filters().end());
  absl::StatusOr<std::vector<metadata::Container>> list =
      store_->ViewValue([&](Transaction& tx) { return ContainerStore(tx, *ns).List(filters); });
  if (!list.ok()) return ToGrpc(list.status());
  for (const metadata::Container& c : *list) ToProto(c, response->add_containers());
  return grpc::Status::OK;
}

grpc::Status ContainersService::Create(grpc::ServerContext* context,
                                       const pb::CreateContainerRequest* request,
                                       pb::CreateContainerResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<metadata::Container> c = store_->UpdateValue([&](Transaction& tx) {
    return ContainerStore(tx, *ns).Create(FromProto(request->container()));
  });
  if (!c.ok()) return ToGrpc(c.status());
  ToProto(*c, response->mutable_container());
  pb::ContainerCreate event;
  event.set_id(c->id);
  event.set_image(c->image);
  event.set_runtime(c->runtime.name);
  Publish(*exchange_, *ns, "/containers/create", event);
  return grpc::Status::OK;
}

grpc::Status ContainersService::Update(grpc::ServerContext* context,
                                       const pb::UpdateContainerRequest* request,
                                       pb::UpdateContainerResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  std::vector<std::string> paths(request->update_mask().paths().begin(),
                                 request->update_mask().paths().end());
  absl::StatusOr<metadata::Container> c = store_->UpdateValue([&](Transaction& tx) {
    return ContainerStore(tx, *ns).Update(FromProto(request->container()), paths);
  });
  if (!c.ok()) return ToGrpc(c.status());
  ToProto(*c, response->mutable_container());
  pb::ContainerUpdate event;
  event.set_id(c->id);
  event.set_image(c->image);
  event.mutable_labels()->insert(c->labels.begin(), c->labels.end());
  Publish(*exchange_, *ns, "/containers/update", event);
  return grpc::Status::OK;
}

grpc::Status ContainersService::Delete(grpc::ServerContext* context,
                                       const pb::DeleteContainerRequest* request,
                                       google::protobuf::Empty*) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::Status deleted = store_->Update(
      [&](Transaction& tx) { return ContainerStore(tx, *ns).Delete(request->id()); });
  if (!deleted.ok()) return ToGrpc(deleted);
  pb::ContainerDelete event;
  event.set_id(request->id());
  Publish(*exchange_, *ns, "/containers/delete", event);
  if (gc_ != nullptr) gc_->Schedule();  // its snapshot may be garbage now
  return grpc::Status::OK;
}

}  // namespace berth::containerd::services

#include "containerd/services/diff_service.h"

#include <vector>

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "containerd/core/differ/applier.h"
#include "containerd/core/differ/comparer.h"
#include "containerd/core/leases/lease_tracker.h"
#include "containerd/services/request_lease.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;

std::vector<snapshots::Mount> FromProto(const google::protobuf::RepeatedPtrField<pb::Mount>& in) {
  std::vector<snapshots::Mount> out;
  for (const pb::Mount& m : in) {
    out.push_back({m.type(), m.source(), m.target(), {m.options().begin(), m.options().end()}});
  }
  return out;
}

absl::StatusOr<images::Descriptor> FromProto(const pb::Descriptor& in) {
  images::Descriptor out;
  out.media_type = in.media_type();
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(in.digest());
  if (!digest.ok()) return WithContext(digest.status(), "diff descriptor");
  out.digest = *digest;
  if (in.size() < 0) return InvalidArgumentf("diff descriptor: negative size {}", in.size());
  out.size = in.size();
  return out;
}

void ToProto(const images::Descriptor& in, pb::Descriptor* out) {
  out->set_media_type(in.media_type);
  out->set_digest(in.digest.str());
  out->set_size(in.size);
}

}  // namespace

grpc::Status DiffService::Apply(grpc::ServerContext* context, const pb::ApplyRequest* request,
                                pb::ApplyResponse* response) {
  // Content is shared by every namespace; the namespace is still checked.
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<images::Descriptor> layer = FromProto(request->diff());
  if (!layer.ok()) return ToGrpc(layer.status());
  differ::ApplyOptions options;
  options.mount_root = mount_root_;
  options.sync_fs = request->sync_fs();
  absl::StatusOr<images::Descriptor> applied =
      differ::Apply(*content_, *layer, FromProto(request->mounts()), options);
  if (!applied.ok()) return ToGrpc(applied.status());
  ToProto(*applied, response->mutable_applied());
  return grpc::Status::OK;
}

grpc::Status DiffService::Diff(grpc::ServerContext* context, const pb::DiffRequest* request,
                               pb::DiffResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<std::string> lease = RequestLease(*context);
  if (!lease.ok()) return ToGrpc(lease.status());
  // Under a lease the new layer is held from before it exists, so the
  // collector cannot take it before the client references it (an image).
  leases::LeaseTracker held(store_, *ns, *lease);
  std::unique_ptr<content::Store> leased;
  if (!lease->empty()) leased = content_->WithHooks(held.ContentHooks());
  differ::DiffOptions options;
  options.media_type = request->media_type();
  options.ref = request->ref();
  options.labels = {request->labels().begin(), request->labels().end()};
  options.mount_root = mount_root_;
  absl::StatusOr<images::Descriptor> written =
      differ::Compare(leased ? *leased : *content_, store_, *ns, FromProto(request->left()),
                      FromProto(request->right()), options);
  if (!written.ok()) return ToGrpc(WithContext(written.status(), "diff"));
  ToProto(*written, response->mutable_diff());
  return grpc::Status::OK;
}

}  // namespace berth::containerd::services

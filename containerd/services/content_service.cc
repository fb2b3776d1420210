#include "containerd/services/content_service.h"

#include <unistd.h>

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "containerd/core/content/writer.h"
#include "containerd/core/leases/lease_tracker.h"
#include "containerd/core/metadata/content_refs.h"
#include "containerd/services/proto_convert.h"
#include "containerd/services/request_lease.h"
#include "containerd/services/request_namespace.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;
using metadata::ContentRef;
using metadata::ContentRefs;
using metadata::Transaction;

constexpr int64_t kReadChunk = 1 << 20;

// The namespace's reference with the blob's size; its times are the
// reference's (when the namespace got it, when its labels changed).
void ToProto(const ContentRef& ref, const content::BlobInfo& blob, pb::ContentInfo* out) {
  out->set_digest(ref.digest);
  out->set_size(blob.size);
  services::ToProto(ref.created_at, out->mutable_created_at());
  services::ToProto(ref.updated_at, out->mutable_updated_at());
  out->mutable_labels()->insert(ref.labels.begin(), ref.labels.end());
}

void ToProto(const content::IngestStatus& status, pb::IngestStatus* out) {
  out->set_ref(status.ref);
  out->set_offset(status.offset);
  out->set_total(status.total);
  if (!status.expected.empty()) out->set_expected(status.expected.str());
  services::ToProto(status.started_at, out->mutable_started_at());
  services::ToProto(status.updated_at, out->mutable_updated_at());
}

// "" is no digest; anything else must parse.
absl::StatusOr<content::Digest> OptionalDigest(const std::string& text) {
  if (text.empty()) return content::Digest();
  return content::Digest::Parse(text);
}

}  // namespace

grpc::Status ContentService::Info(grpc::ServerContext* context, const pb::InfoRequest* request,
                                  pb::InfoResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(request->digest());
  if (!digest.ok()) return ToGrpc(digest.status());
  absl::StatusOr<ContentRef> ref = Referenced(*ns, *digest);
  if (!ref.ok()) return ToGrpc(ref.status());
  absl::StatusOr<content::BlobInfo> info = store_->Info(*digest);
  if (!info.ok()) return ToGrpc(info.status());
  ToProto(*ref, *info, response->mutable_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::Update(grpc::ServerContext* context,
                                    const pb::UpdateContentRequest* request,
                                    pb::UpdateContentResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(request->info().digest());
  if (!digest.ok()) return ToGrpc(digest.status());
  ContentRef ref;
  ref.digest = digest->str();
  ref.labels.insert(request->info().labels().begin(), request->info().labels().end());
  std::vector<std::string> paths(request->update_mask().paths().begin(),
                                 request->update_mask().paths().end());
  absl::StatusOr<ContentRef> updated = metadata_->UpdateValue(
      [&](Transaction& tx) { return ContentRefs(tx, *ns).Update(ref, paths); });
  if (!updated.ok()) return ToGrpc(updated.status());
  absl::StatusOr<content::BlobInfo> info = store_->Info(*digest);
  if (!info.ok()) return ToGrpc(info.status());
  ToProto(*updated, *info, response->mutable_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::List(grpc::ServerContext* context,
                                  const pb::ListContentRequest* request,
                                  pb::ListContentResponse* response) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  std::vector<std::string> filters(request->filters().begin(), request->filters().end());
  absl::StatusOr<std::vector<ContentRef>> refs =
      metadata_->ViewValue([&](Transaction& tx) { return ContentRefs(tx, *ns).List(filters); });
  if (!refs.ok()) return ToGrpc(refs.status());
  for (const ContentRef& ref : *refs) {
    absl::StatusOr<content::Digest> digest = content::Digest::Parse(ref.digest);
    if (!digest.ok()) return ToGrpc(digest.status());
    absl::StatusOr<content::BlobInfo> info = store_->Info(*digest);
    if (absl::IsNotFound(info.status())) continue;  // a commit that did not finish
    if (!info.ok()) return ToGrpc(info.status());
    ToProto(ref, *info, response->add_info());
  }
  return grpc::Status::OK;
}

grpc::Status ContentService::Delete(grpc::ServerContext* context,
                                    const pb::DeleteContentRequest* request,
                                    google::protobuf::Empty*) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(request->digest());
  if (!digest.ok()) return ToGrpc(digest.status());
  // Only the reference goes now: whether the blob is garbage depends on
  // every namespace's images, containers and leases, which the collector
  // weighs.
  absl::Status removed = metadata_->Update(
      [&](Transaction& tx) { return ContentRefs(tx, *ns).Remove(digest->str()); });
  if (absl::IsNotFound(removed)) {
    return ToGrpc(NotFoundf("content {}: not found", digest->str()));
  }
  if (!removed.ok()) return ToGrpc(removed);
  gc_->Schedule();
  return grpc::Status::OK;
}

absl::StatusOr<ContentRef> ContentService::Referenced(const std::string& ns,
                                                      const content::Digest& digest) {
  absl::StatusOr<ContentRef> ref =
      metadata_->ViewValue([&](Transaction& tx) { return ContentRefs(tx, ns).Get(digest.str()); });
  if (absl::IsNotFound(ref.status())) return NotFoundf("content {}: not found", digest.str());
  return ref;
}

grpc::Status ContentService::Read(grpc::ServerContext* context,
                                  const pb::ReadContentRequest* request,
                                  grpc::ServerWriter<pb::ReadContentResponse>* writer) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(request->digest());
  if (!digest.ok()) return ToGrpc(digest.status());
  if (absl::Status s = Referenced(*ns, *digest).status(); !s.ok()) return ToGrpc(s);
  absl::StatusOr<content::BlobInfo> info = store_->Info(*digest);
  if (!info.ok()) return ToGrpc(info.status());
  if (request->offset() < 0 || request->size() < 0 || request->offset() > info->size) {
    return ToGrpc(InvalidArgumentf("read {}: offset {} size {} outside a blob of {} bytes",
                                   digest->str(), request->offset(), request->size(), info->size));
  }
  absl::StatusOr<UniqueFd> fd = store_->OpenBlob(*digest);
  if (!fd.ok()) return ToGrpc(fd.status());
  int64_t end =
      request->size() == 0 ? info->size : std::min(info->size, request->offset() + request->size());
  pb::ReadContentResponse chunk;
  std::string buffer;
  for (int64_t offset = request->offset(); offset < end && !context->IsCancelled();) {
    buffer.resize(static_cast<size_t>(std::min(kReadChunk, end - offset)));
    ssize_t n = ::pread(fd->get(), buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ToGrpc(ErrnoErrorf(errno, "read {}", digest->str()));
    if (n == 0) return ToGrpc(Internalf("read {}: blob shorter than its size", digest->str()));
    chunk.set_offset(offset);
    chunk.set_data(buffer.data(), static_cast<size_t>(n));
    if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "reader went away");
    offset += n;
  }
  return grpc::Status::OK;
}

grpc::Status ContentService::Status(grpc::ServerContext*, const pb::StatusRequest* request,
                                    pb::StatusResponse* response) {
  absl::StatusOr<content::IngestStatus> status = store_->Status(request->ref());
  if (!status.ok()) return ToGrpc(status.status());
  ToProto(*status, response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status ContentService::ListStatuses(grpc::ServerContext*, const pb::ListStatusesRequest*,
                                          pb::ListStatusesResponse* response) {
  absl::StatusOr<std::vector<content::IngestStatus>> statuses = store_->ListStatuses();
  if (!statuses.ok()) return ToGrpc(statuses.status());
  for (const content::IngestStatus& s : *statuses) ToProto(s, response->add_statuses());
  return grpc::Status::OK;
}

grpc::Status ContentService::Write(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::WriteContentResponse, pb::WriteContentRequest>* stream) {
  absl::StatusOr<std::string> ns = RequestNamespace(*context);
  if (!ns.ok()) return ToGrpc(ns.status());
  absl::StatusOr<std::string> lease = RequestLease(*context);
  if (!lease.ok()) return ToGrpc(lease.status());
  // Under a lease, the ingest and the blob are held before they exist.
  leases::LeaseTracker held(metadata_, *ns, *lease);
  std::unique_ptr<content::Store> leased;
  if (!lease->empty()) leased = store_->WithHooks(held.ContentHooks());
  const content::Store& store = leased ? *leased : *store_;
  pb::WriteContentRequest request;
  if (!stream->Read(&request)) return grpc::Status::OK;
  if (request.ref().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "write: the first message needs a ref");
  }
  absl::StatusOr<content::Digest> expected = OptionalDigest(request.expected());
  if (!expected.ok()) return ToGrpc(expected.status());
  absl::StatusOr<std::unique_ptr<content::Writer>> writer =
      store.OpenWriter(request.ref(), request.total(), *expected);
  if (!writer.ok()) return ToGrpc(writer.status());
  content::Writer& w = **writer;
  do {
    pb::WriteContentResponse response;
    response.set_action(request.action());
    switch (request.action()) {
      case pb::WRITE_ACTION_STAT:
        break;
      case pb::WRITE_ACTION_WRITE:
        if (request.offset() != w.offset()) {
          return ToGrpc(FailedPreconditionf("write {}: offset {} but the ingest is at {}",
                                            request.ref(), request.offset(), w.offset()));
        }
        if (absl::Status s = w.Write(request.data()); !s.ok()) return ToGrpc(s);
        break;
      case pb::WRITE_ACTION_COMMIT: {
        absl::StatusOr<content::Digest> want = OptionalDigest(request.expected());
        if (!want.ok()) return ToGrpc(want.status());
        content::Digest written = w.digest();
        metadata::Labels labels(request.labels().begin(), request.labels().end());
        if (absl::Status s = metadata::ValidateLabels(labels, "content.labels"); !s.ok()) {
          return ToGrpc(s);
        }
        absl::StatusOr<bool> had =
            metadata_->ViewValue([&](Transaction& tx) -> absl::StatusOr<bool> {
              absl::StatusOr<ContentRef> ref = ContentRefs(tx, *ns).Get(written.str());
              if (absl::IsNotFound(ref.status())) return false;
              if (!ref.ok()) return ref.status();
              return true;
            });
        if (!had.ok()) return ToGrpc(had.status());
        absl::Status committed = w.Commit(request.total(), *want);
        if (!committed.ok() && !absl::IsAlreadyExists(committed)) return ToGrpc(committed);
        // The blob is now the namespace's too (containerd: a blob another
        // namespace committed is shared, not an error).
        absl::Status added = metadata_->Update([&](Transaction& tx) {
          return ContentRefs(tx, *ns).Add(written.str(), labels).status();
        });
        if (!added.ok()) return ToGrpc(WithContext(added, "commit " + written.str()));
        if (*had && absl::IsAlreadyExists(committed))
          return ToGrpc(AlreadyExistsf("content {} already exists", written.str()));
        response.set_offset(w.offset());
        response.set_digest(written.str());
        stream->Write(response);
        return grpc::Status::OK;
      }
      default:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "write: unknown action");
    }
    response.set_offset(w.offset());
    response.set_total(request.total());
    response.set_digest(w.digest().str());
    if (!stream->Write(response))
      return grpc::Status(grpc::StatusCode::CANCELLED, "writer went away");
  } while (stream->Read(&request));
  return grpc::Status::OK;
}

grpc::Status ContentService::Abort(grpc::ServerContext*, const pb::AbortRequest* request,
                                   google::protobuf::Empty*) {
  return ToGrpc(store_->Abort(request->ref()));
}

}  // namespace berth::containerd::services

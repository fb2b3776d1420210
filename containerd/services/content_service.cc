#include "containerd/services/content_service.h"

#include <unistd.h>

#include "common/grpc/status_convert.h"
#include "common/status.h"
#include "containerd/core/content/writer.h"
#include "containerd/services/proto_convert.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;
using grpcutil::ToGrpc;

constexpr int64_t kReadChunk = 1 << 20;

void ToProto(const content::BlobInfo& info, pb::ContentInfo* out) {
  out->set_digest(info.digest.str());
  out->set_size(info.size);
  services::ToProto(info.created_at, out->mutable_created_at());
  services::ToProto(info.updated_at, out->mutable_updated_at());
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

grpc::Status ContentService::Info(grpc::ServerContext*, const pb::InfoRequest* request,
                                  pb::InfoResponse* response) {
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(request->digest());
  if (!digest.ok()) return ToGrpc(digest.status());
  absl::StatusOr<content::BlobInfo> info = store_->Info(*digest);
  if (!info.ok()) return ToGrpc(info.status());
  ToProto(*info, response->mutable_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::List(grpc::ServerContext*, const pb::ListContentRequest*,
                                  pb::ListContentResponse* response) {
  absl::StatusOr<std::vector<content::BlobInfo>> infos = store_->List();
  if (!infos.ok()) return ToGrpc(infos.status());
  for (const content::BlobInfo& info : *infos) ToProto(info, response->add_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::Delete(grpc::ServerContext*, const pb::DeleteContentRequest* request,
                                    google::protobuf::Empty*) {
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(request->digest());
  if (!digest.ok()) return ToGrpc(digest.status());
  return ToGrpc(store_->Delete(*digest));
}

grpc::Status ContentService::Read(grpc::ServerContext* context,
                                  const pb::ReadContentRequest* request,
                                  grpc::ServerWriter<pb::ReadContentResponse>* writer) {
  absl::StatusOr<content::Digest> digest = content::Digest::Parse(request->digest());
  if (!digest.ok()) return ToGrpc(digest.status());
  absl::StatusOr<content::BlobInfo> info = store_->Info(*digest);
  if (!info.ok()) return ToGrpc(info.status());
  if (request->offset() < 0 || request->size() < 0 || request->offset() > info->size) {
    return ToGrpc(InvalidArgumentf("read {}: offset {} size {} outside a blob of {} bytes",
                                   digest->str(), request->offset(), request->size(), info->size));
  }
  absl::StatusOr<UniqueFd> fd = store_->OpenBlob(*digest);
  if (!fd.ok()) return ToGrpc(fd.status());
  int64_t end = request->size() == 0 ? info->size
                                     : std::min(info->size, request->offset() + request->size());
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
    grpc::ServerContext*,
    grpc::ServerReaderWriter<pb::WriteContentResponse, pb::WriteContentRequest>* stream) {
  pb::WriteContentRequest request;
  if (!stream->Read(&request)) return grpc::Status::OK;
  if (request.ref().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "write: the first message needs a ref");
  }
  absl::StatusOr<content::Digest> expected = OptionalDigest(request.expected());
  if (!expected.ok()) return ToGrpc(expected.status());
  absl::StatusOr<std::unique_ptr<content::Writer>> writer =
      store_->OpenWriter(request.ref(), request.total(), *expected);
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
        if (absl::Status s = w.Commit(request.total(), *want); !s.ok()) return ToGrpc(s);
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
    if (!stream->Write(response)) return grpc::Status(grpc::StatusCode::CANCELLED, "writer went away");
  } while (stream->Read(&request));
  return grpc::Status::OK;
}

grpc::Status ContentService::Abort(grpc::ServerContext*, const pb::AbortRequest* request,
                                   google::protobuf::Empty*) {
  return ToGrpc(store_->Abort(request->ref()));
}

}  // namespace berth::containerd::services

// Content over the daemon's content store, seen per namespace as
// containerd's metadata content store does: blobs are shared on disk, a
// namespace sees the ones it references (a commit adds the reference, with
// the commit's labels; Delete drops it and leaves the blob to the garbage
// collector). Ingests are not namespaced. Write and Read are streams served
// on a thread of their own each.
#pragma once

#include "berth/containerd/v1/content.grpc.pb.h"
#include "containerd/core/content/store.h"
#include "containerd/core/gc/scheduler.h"
#include "containerd/core/metadata/content_refs.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::services {

class ContentService final : public berth::containerd::v1::Content::Service {
 public:
  ContentService(metadata::Store* metadata, content::Store* store, gc::Scheduler* gc)
      : metadata_(metadata), store_(store), gc_(gc) {}

  grpc::Status Info(grpc::ServerContext* context, const berth::containerd::v1::InfoRequest* request,
                    berth::containerd::v1::InfoResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const berth::containerd::v1::UpdateContentRequest* request,
                      berth::containerd::v1::UpdateContentResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListContentRequest* request,
                    berth::containerd::v1::ListContentResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const berth::containerd::v1::DeleteContentRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status Read(
      grpc::ServerContext* context, const berth::containerd::v1::ReadContentRequest* request,
      grpc::ServerWriter<berth::containerd::v1::ReadContentResponse>* writer) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const berth::containerd::v1::StatusRequest* request,
                      berth::containerd::v1::StatusResponse* response) override;
  grpc::Status ListStatuses(grpc::ServerContext* context,
                            const berth::containerd::v1::ListStatusesRequest* request,
                            berth::containerd::v1::ListStatusesResponse* response) override;
  grpc::Status Write(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<berth::containerd::v1::WriteContentResponse,
                               berth::containerd::v1::WriteContentRequest>* stream) override;
  grpc::Status Abort(grpc::ServerContext* context,
                     const berth::containerd::v1::AbortRequest* request,
                     google::protobuf::Empty* response) override;

 private:
  // The namespace's reference to `digest`; NotFound naming the blob.
  absl::StatusOr<metadata::ContentRef> Referenced(const std::string& ns,
                                                  const content::Digest& digest);

  metadata::Store* const metadata_;
  content::Store* const store_;
  gc::Scheduler* const gc_;
};

}  // namespace berth::containerd::services

// Content over the daemon's content store. Blobs are shared by every
// namespace (the store is content-addressed); Write and Read are streams
// served on a thread of their own each.
#pragma once

#include "berth/containerd/v1/content.grpc.pb.h"
#include "containerd/core/content/store.h"

namespace berth::containerd::services {

class ContentService final : public berth::containerd::v1::Content::Service {
 public:
  explicit ContentService(content::Store* store) : store_(store) {}

  grpc::Status Info(grpc::ServerContext* context, const berth::containerd::v1::InfoRequest* request,
                    berth::containerd::v1::InfoResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::containerd::v1::ListContentRequest* request,
                    berth::containerd::v1::ListContentResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const berth::containerd::v1::DeleteContentRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::Status Read(grpc::ServerContext* context,
                    const berth::containerd::v1::ReadContentRequest* request,
                    grpc::ServerWriter<berth::containerd::v1::ReadContentResponse>* writer) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const berth::containerd::v1::StatusRequest* request,
                      berth::containerd::v1::StatusResponse* response) override;
  grpc::Status ListStatuses(grpc::ServerContext* context,
                            const berth::containerd::v1::ListStatusesRequest* request,
                            berth::containerd::v1::ListStatusesResponse* response) override;
  grpc::Status Write(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<berth::containerd::v1::WriteContentResponse,
                                              berth::containerd::v1::WriteContentRequest>* stream)
      override;
  grpc::Status Abort(grpc::ServerContext* context,
                     const berth::containerd::v1::AbortRequest* request,
                     google::protobuf::Empty* response) override;

 private:
  content::Store* const store_;
};

}  // namespace berth::containerd::services

// Version: the daemon's version and source revision.
#pragma once

#include "berth/containerd/v1/version.grpc.pb.h"

namespace berth::containerd::services {

class VersionService final : public berth::containerd::v1::Version::Service {
 public:
  grpc::Status Version(grpc::ServerContext* context, const google::protobuf::Empty* request,
                       berth::containerd::v1::VersionResponse* response) override;
};

}  // namespace berth::containerd::services

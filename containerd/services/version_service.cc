#include "containerd/services/version_service.h"

namespace berth::containerd::services {

grpc::Status VersionService::Version(grpc::ServerContext*, const google::protobuf::Empty*,
                                     berth::containerd::v1::VersionResponse* response) {
  response->set_version(BERTH_VERSION);
  response->set_revision(BERTH_REVISION);
  return grpc::Status::OK;
}

}  // namespace berth::containerd::services

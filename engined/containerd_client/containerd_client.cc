#include "engined/containerd_client/containerd_client.h"

#include "common/grpc/status_convert.h"
#include "common/grpc/unix_socket.h"
#include "common/status.h"

namespace berth::engined {

absl::Status CallStatus(const grpc::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return WithContext(grpcutil::FromGrpc(status), what);
}

ContainerdClient::ContainerdClient(const std::string& socket, std::string ns) : ns_(std::move(ns)) {
  absl::StatusOr<std::string> path = grpcutil::UnixSocketPath(socket);
  channel_ = grpcutil::DialUnix(path.ok() ? *path : socket);
  containers_ = ctrpb::Containers::NewStub(channel_);
  content_ = ctrpb::Content::NewStub(channel_);
  diff_ = ctrpb::Diff::NewStub(channel_);
  events_ = ctrpb::Events::NewStub(channel_);
  images_ = ctrpb::Images::NewStub(channel_);
  leases_ = ctrpb::Leases::NewStub(channel_);
  snapshots_ = ctrpb::Snapshots::NewStub(channel_);
  tasks_ = ctrpb::Tasks::NewStub(channel_);
  version_ = ctrpb::Version::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> ContainerdClient::Ctx(const std::string& lease) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("berth-namespace", ns_);
  if (!lease.empty()) context->AddMetadata("berth-lease", lease);
  return context;
}

std::unique_ptr<grpc::ClientContext> ContainerdClient::Ctx(std::chrono::milliseconds timeout,
                                                           const std::string& lease) const {
  std::unique_ptr<grpc::ClientContext> context = Ctx(lease);
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

}  // namespace berth::engined

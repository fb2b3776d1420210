// What every berth-ctr command shares: the global flags, a connection to
// the daemon with the namespace on each call, and one way to report a
// failed call.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <cstdio>
#include <memory>
#include <string>

#include "common/grpc/unix_socket.h"

namespace berth::containerd::ctr {

struct Global {
  std::string address = "/run/berth/containerd/containerd.sock";
  std::string ns = "default";
};

// "berth-ctr: WHAT: MESSAGE" on stderr; returns the exit code 1.
inline int Fail(const std::string& what, const grpc::Status& status) {
  std::fprintf(stderr, "berth-ctr: %s: %s\n", what.c_str(), status.error_message().c_str());
  return 1;
}

class Client {
 public:
  explicit Client(const Global& g) : ns_(g.ns) {
    absl::StatusOr<std::string> path = grpcutil::UnixSocketPath(g.address);
    channel_ = grpcutil::DialUnix(path.ok() ? *path : g.address);
  }
  // A context carrying the namespace.
  std::unique_ptr<grpc::ClientContext> Ctx() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("berth-namespace", ns_);
    return context;
  }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  std::string ns_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace berth::containerd::ctr

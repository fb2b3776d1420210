// gRPC over unix sockets: every Berth daemon and shim listens on a path.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/server.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::grpcutil {

// "unix:///run/x.sock" and "unix:/run/x.sock" -> "/run/x.sock"; a bare
// absolute path is taken as is.
absl::StatusOr<std::string> UnixSocketPath(const std::string& address);

// The channel target for a socket path.
std::string UnixTarget(const std::string& path);

// A server on `path` (a stale socket file there is replaced; the parent
// directory must exist). The socket is chmod'ed to `mode`.
struct ServerOptions {
  std::string path;
  unsigned mode = 0600;
  std::vector<grpc::Service*> services;
  // Caps gRPC's own thread pool; each thread costs a stack and arena.
  int max_threads = 0;
};
absl::StatusOr<std::unique_ptr<grpc::Server>> StartUnixServer(const ServerOptions& options);

// A channel to a unix socket path, with no TLS and no proxy lookups.
std::shared_ptr<grpc::Channel> DialUnix(const std::string& path);

}  // namespace berth::grpcutil

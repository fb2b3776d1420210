#include "common/grpc/unix_socket.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/status.h"

namespace berth::grpcutil {

absl::StatusOr<std::string> UnixSocketPath(const std::string& address) {
  std::string path = address;
  if (path.starts_with("unix://")) {
    path = path.substr(7);
  } else if (path.starts_with("unix:")) {
    path = path.substr(5);
  }
  if (path.empty() || path[0] != '/') {
    return InvalidArgumentf("socket address {}: want an absolute path or unix:///path", address);
  }
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return InvalidArgumentf("socket path {}: longer than {} bytes", path,
                            sizeof(sockaddr_un{}.sun_path) - 1);
  }
  return path;
}

std::string UnixTarget(const std::string& path) { return "unix://" + path; }

absl::StatusOr<std::unique_ptr<grpc::Server>> StartUnixServer(const ServerOptions& options) {
  BERTH_ASSIGN_OR_RETURN(std::string path, UnixSocketPath(options.path));
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
    return ErrnoErrorf(errno, "remove stale socket {}", path);
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(UnixTarget(path), grpc::InsecureServerCredentials());
  for (grpc::Service* service : options.services) builder.RegisterService(service);
  if (options.max_threads > 0) {
    grpc::ResourceQuota quota("berth");
    quota.SetMaxThreads(options.max_threads);
    builder.SetResourceQuota(quota);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) return absl::UnavailableError("listen on " + path + ": gRPC server did not start");
  if (::chmod(path.c_str(), options.mode) < 0) return ErrnoErrorf(errno, "chmod {}", path);
  return server;
}

std::shared_ptr<grpc::Channel> DialUnix(const std::string& path) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  // A connection of its own: with gRPC's global subchannel pool a new
  // channel to a socket path reuses another channel's connection, which may
  // be to a process that has since gone (a restarted daemon or shim) and
  // fails the first call with "Broken pipe".
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A local daemon that restarts is back within a second: retry at that
  // pace rather than gRPC's back-off of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(UnixTarget(path), grpc::InsecureChannelCredentials(), args);
}

}  // namespace berth::grpcutil

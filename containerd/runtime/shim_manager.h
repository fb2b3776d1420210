// One berth-shim per task: started with `berth-shim start`, reached over its
// own socket, found again from the bundles after a daemon restart, and
// cleaned up with `berth-shim delete` when it is gone. No lock is held
// while a shim is called.
#pragma once

#include <grpcpp/channel.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/shim/v1/shim.grpc.pb.h"
#include "containerd/runtime/bundle.h"

namespace berth::containerd {

struct ShimLaunchOptions {
  std::string shim_binary;   // berth-shim
  std::string runtime_root;  // the runtime's --root (per namespace below it)
  std::string socket_dir;    // where shims put their sockets
  std::string daemon_address;
};

// What a shim said when asked for a clean-up (`berth-shim delete`).
struct ShimCleanup {
  uint32_t pid = 0;
  uint32_t exit_status = 0;
  std::string exited_at;  // RFC 3339
};

class ShimEventStream;

class ShimHandle {
 public:
  ShimHandle(Bundle bundle, std::string address, std::shared_ptr<grpc::Channel> channel);
  ~ShimHandle();
  const Bundle& bundle() const { return bundle_; }
  const std::string& address() const { return address_; }
  berth::shim::v1::Shim::Stub& stub() { return *stub_; }

 private:
  friend class ShimManager;
  Bundle bundle_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<berth::shim::v1::Shim::Stub> stub_;
  std::unique_ptr<ShimEventStream> events_;
};

class ShimManager {
 public:
  // Every event of every shim, with the shim's bundle; on gRPC threads.
  using EventCallback =
      std::function<void(const Bundle& bundle, const berth::shim::v1::Event& event)>;

  // A shim whose event stream ended without being asked to: it died, or
  // its connection broke. On a gRPC thread: hand it off, do not block.
  using GoneCallback = std::function<void(const Bundle& bundle)>;

  ShimManager(ShimLaunchOptions options, EventCallback on_event, GoneCallback on_gone = nullptr);
  ~ShimManager();

  // Starts (or finds) the shim of `bundle`, driving `runtime`.
  absl::StatusOr<std::shared_ptr<ShimHandle>> Start(const Bundle& bundle,
                                                    const std::string& runtime);
  // Connects to a shim that serves `bundle` already (after a restart);
  // Unavailable when it is gone.
  absl::StatusOr<std::shared_ptr<ShimHandle>> Connect(const Bundle& bundle,
                                                      uint64_t after_sequence = 0);
  std::shared_ptr<ShimHandle> Get(const std::string& ns, const std::string& id);
  std::vector<std::shared_ptr<ShimHandle>> List();

  // Asks the shim to exit (it holds no task any more) and forgets it.
  absl::Status Shutdown(const std::string& ns, const std::string& id);
  // `berth-shim delete` for a bundle whose shim is gone.
  absl::StatusOr<ShimCleanup> Cleanup(const Bundle& bundle, const std::string& runtime);

 private:
  absl::StatusOr<std::shared_ptr<ShimHandle>> Dial(const Bundle& bundle, const std::string& address,
                                                   uint64_t after_sequence);
  std::vector<std::string> ShimArgs(const Bundle& bundle, const std::string& runtime) const;

  const ShimLaunchOptions options_;
  const EventCallback on_event_;
  const GoneCallback on_gone_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<ShimHandle>> shims_;
};

}  // namespace berth::containerd

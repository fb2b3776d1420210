// berth-containerd put together: the metadata store, the event exchange,
// the task manager (restored from the bundles left by an earlier run), the
// garbage collection scheduler, and the gRPC server with every service and
// server reflection, on one unix socket.
#pragma once

#include <grpcpp/server.h>

#include <memory>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "containerd/core/content/store.h"
#include "containerd/core/events/exchange.h"
#include "containerd/core/gc/scheduler.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/snapshotter_set.h"
#include "containerd/runtime/task_manager.h"
#include "containerd/server/daemon_config.h"

namespace berth::containerd::server {

class Daemon {
 public:
  // Everything is serving when this returns. FailedPrecondition when
  // another daemon holds the root.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(const DaemonConfig& config);
  ~Daemon();

  // Stops serving (calls in flight get `grace` to finish), then the garbage
  // collector (a collection in progress finishes). Tasks and their shims
  // keep running: a later daemon finds them again.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  Daemon() = default;

  UniqueFd lock_;
  std::unique_ptr<metadata::Store> store_;
  std::unique_ptr<events::Exchange> exchange_;
  std::unique_ptr<content::Store> content_;
  std::unique_ptr<snapshots::SnapshotterSet> snapshotters_;
  std::unique_ptr<gc::Scheduler> gc_;
  std::unique_ptr<TaskManager> tasks_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace berth::containerd::server

// Tasks: a container's init process and its exec processes, each task held
// by one berth-shim. The transport-free half of the Tasks service
// (containerd plugins/services/tasks/local.go): creates bundles and shims,
// forwards calls to them with no lock held, turns shim events into daemon
// events, and after a restart finds every shim again (Restore).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/containerd/v1/tasks.pb.h"
#include "containerd/core/events/exchange.h"
#include "containerd/core/metadata/containers.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/snapshotter_set.h"
#include "containerd/runtime/shim_manager.h"

namespace berth::containerd {

struct TaskManagerOptions {
  std::string state_dir;  // bundles: STATE/<namespace>/<id>
  // Runtime binary (name or path) for "io.containerd.runc.v2",
  // "io.containerd.berth.v1" and an empty runtime name.
  std::string default_runtime = "berth-runtime";
  // Further runtime names, e.g. {"runc": "/usr/sbin/runc"}.
  std::map<std::string, std::string> runtimes;
  // Deadline of a call to a shim (runtime create can be slow on a busy host).
  std::chrono::seconds shim_call_timeout{60};
};

class TaskManager {
 public:
  using Process = berth::containerd::v1::Process;

  // `snapshotters` gives a container's snapshot its mounts; may be null.
  TaskManager(TaskManagerOptions options, metadata::Store* store, events::Exchange* exchange,
              const ShimLaunchOptions& launch,
              const snapshots::SnapshotterSet* snapshotters = nullptr);
  ~TaskManager();

  // The binary that runs containers of runtime `name`; InvalidArgument if
  // no runtime has that name.
  absl::StatusOr<std::string> ResolveRuntime(const std::string& name) const;

  absl::StatusOr<berth::containerd::v1::CreateTaskResponse> Create(
      const std::string& ns, const berth::containerd::v1::CreateTaskRequest& request);
  absl::StatusOr<uint32_t> Start(const std::string& ns, const std::string& id,
                                 const std::string& exec_id);
  // The init: stops the shim, removes the bundle and the task record.
  absl::StatusOr<berth::containerd::v1::DeleteResponse> Delete(const std::string& ns,
                                                               const std::string& id, bool force);
  absl::StatusOr<berth::containerd::v1::DeleteResponse> DeleteProcess(const std::string& ns,
                                                                      const std::string& id,
                                                                      const std::string& exec_id,
                                                                      bool force);
  absl::StatusOr<Process> Get(const std::string& ns, const std::string& id,
                              const std::string& exec_id);
  // Tasks of `ns` matching `filter` (fields: id, container_id, status).
  absl::StatusOr<std::vector<Process>> List(const std::string& ns, const std::string& filter);
  absl::Status Kill(const std::string& ns, const berth::containerd::v1::KillRequest& request);
  absl::Status Exec(const std::string& ns,
                    const berth::containerd::v1::ExecProcessRequest& request);
  absl::Status ResizePty(const std::string& ns,
                         const berth::containerd::v1::ResizePtyRequest& request);
  absl::Status CloseIO(const std::string& ns, const berth::containerd::v1::CloseIORequest& request);
  absl::Status Pause(const std::string& ns, const std::string& id);
  absl::Status Resume(const std::string& ns, const std::string& id);
  absl::StatusOr<berth::containerd::v1::ListPidsResponse> ListPids(const std::string& ns,
                                                                   const std::string& id);
  absl::Status Update(const std::string& ns,
                      const berth::containerd::v1::UpdateTaskRequest& request);
  absl::StatusOr<berth::containerd::v1::MetricsResponse> Metrics(
      const std::string& ns, const std::vector<std::string>& filters);

  // The shim of task `id` (for the streaming and waiting calls the adapter
  // drives itself); NotFound naming the task when there is none.
  absl::StatusOr<std::shared_ptr<ShimHandle>> Shim(const std::string& ns, const std::string& id);

  // After a restart: reconnects to every recorded task's shim, replaying the
  // events it published while the daemon was down; a task whose shim died
  // is cleaned up (berth-shim delete) and its exit and delete published;
  // bundles and records that belong to no task are removed.
  absl::Status Restore();

 private:
  void OnShimEvent(const Bundle& bundle, const berth::shim::v1::Event& event);
  // A shim's stream ended while the daemon runs: on a thread of its own,
  // reconnect to a shim still alive, or clean up after a dead one as
  // Restore does (its exit and delete published).
  void OnShimGone(const Bundle& bundle);
  void GoneLoop();
  absl::StatusOr<std::string> RuntimeFor(const std::string& ns, const std::string& id);
  void Rollback(const Bundle& bundle, bool shim_started, bool recorded);
  absl::Status RemoveTask(const Bundle& bundle);
  void RestoreOne(const Bundle& bundle, bool recorded);
  void PublishExitAndDelete(const Bundle& bundle, uint32_t pid, uint32_t status,
                            const std::string& exited_at);
  absl::StatusOr<Process> State(ShimHandle& shim, const std::string& exec_id);
  // The mounts the task's root is made of: the request's, else the
  // container's snapshot's, else none (the spec's absolute root.path).
  absl::StatusOr<std::vector<berth::containerd::v1::Mount>> RootfsMounts(
      const std::string& ns, const metadata::Container& container,
      const berth::containerd::v1::CreateTaskRequest& request);

  const TaskManagerOptions options_;
  metadata::Store* const store_;
  events::Exchange* const exchange_;
  const snapshots::SnapshotterSet* const snapshotters_;
  std::unique_ptr<ShimManager> shims_;

  std::mutex gone_mu_;
  std::condition_variable gone_cv_;
  std::deque<Bundle> gone_;
  bool stopping_ = false;
  std::thread gone_thread_;
};

}  // namespace berth::containerd

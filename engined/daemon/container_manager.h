// The lifecycle of docker containers over berth-containerd: create, start,
// stop, kill, restart, pause, remove, wait; exits (from containerd's
// events), restart policies, and live restore when berthd starts again.
//
// A container maps onto containerd as dockerd's does: a containerd
// container of the same id in namespace "moby" holding the writable
// snapshot (created with the container), and a task while it runs, whose
// shim writes the json-file log.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/containerd_client/containerd_client.h"
#include "engined/daemon/backends.h"
#include "engined/daemon/background_tasks.h"
#include "engined/daemon/container_store.h"
#include "engined/daemon/log_options.h"
#include "engined/daemon/restart_policy.h"

namespace berth::engined {

namespace volumes {
class VolumeStore;
}  // namespace volumes
using volumes::VolumeStore;

struct ManagerOptions {
  std::string data_root;
  // berth-init on the host, bind-mounted at /sbin/docker-init for --init.
  std::string init_path;
  // daemon.json "log-opts" (max-size, max-file) for containers without their own.
  nlohmann::json default_log_opts = nlohmann::json::object();
  // daemon.json "default-ulimits", in HostConfig.Ulimits form.
  nlohmann::json default_ulimits = nlohmann::json::array();
  // The predefined networks' IDs by name ("bridge", "host", "none"), for
  // inspect's NetworkSettings.Networks.<name>.NetworkID.
  std::map<std::string, std::string> network_ids;
};

struct CreateResult {
  std::string id;
  std::vector<std::string> warnings;
};

// docker's wait conditions.
enum class WaitCondition { kNotRunning, kNextExit, kRemoved };

struct WaitResult {
  int status_code = 0;
  std::string error;
};

// An observer of container events (docker's /events "container" type).
using ContainerEventFn = std::function<void(const std::string& action, const Container& c,
                                            const std::map<std::string, std::string>& extra)>;

class ContainerManager {
 public:
  ContainerManager(ManagerOptions options, ContainerdClient& containerd, ContainerStore& store,
                   ImageBackend& images, VolumeStore* volumes);
  ~ContainerManager();

  void SetEventSink(ContainerEventFn sink) { events_ = std::move(sink); }
  // Exits of exec processes go to the exec layer.
  using ExecExitFn = std::function<void(const std::string& container_id, const std::string& exec_id,
                                        uint32_t status)>;
  void SetExecExitSink(ExecExitFn sink) { exec_exits_ = std::move(sink); }
  // A container's task ended (`removed` false) or the container is gone
  // (true): the exec layer forgets that container's execs, as dockerd's
  // Cleanup does. Called before the "die" / "destroy" event.
  using ContainerEndFn = std::function<void(const std::string& container_id, bool removed)>;
  void SetContainerEndSink(ContainerEndFn sink) { container_ends_ = std::move(sink); }

  // Brings the records in line with containerd (containers that exited
  // while berthd was down get their exit codes), then follows containerd's
  // exit events and applies restart policies. Call once at start.
  absl::Status Restore();

  // POST /containers/create: body is docker's ContainerCreateRequest
  // (Config fields at top level plus HostConfig, NetworkingConfig).
  absl::StatusOr<CreateResult> Create(const std::string& name, const nlohmann::json& body);
  // false: it was running already (docker answers 304).
  absl::StatusOr<bool> Start(const std::string& ref);
  // false: it was not running (304). `timeout`: seconds before SIGKILL (nullopt: StopTimeout or 10;
  // -1: wait forever). `signal`: overrides StopSignal.
  absl::StatusOr<bool> Stop(const std::string& ref, std::optional<int> timeout,
                            const std::string& signal = "");
  absl::Status Kill(const std::string& ref, const std::string& signal);
  absl::Status Restart(const std::string& ref, std::optional<int> timeout,
                       const std::string& signal = "");
  absl::Status Pause(const std::string& ref);
  absl::Status Unpause(const std::string& ref);
  absl::Status Remove(const std::string& ref, bool force, bool remove_volumes);
  absl::Status Rename(const std::string& ref, const std::string& new_name);
  // POST /containers/{id}/update (container_update.cc): new resource limits
  // and restart policy, recorded and applied to a running task; docker's
  // warnings.
  absl::StatusOr<std::vector<std::string>> Update(const std::string& ref,
                                                  const nlohmann::json& body);
  // A container event from outside this class ("commit").
  void EmitEvent(const std::string& action, const std::string& ref,
                 std::map<std::string, std::string> extra = {});
  absl::Status Resize(const std::string& ref, const std::string& exec_id, int height, int width);
  // Blocks until `condition` holds or `cancelled()` turns true (checked
  // about every 200 ms; the HTTP layer passes its client-gone check).
  absl::StatusOr<WaitResult> Wait(const std::string& ref, WaitCondition condition,
                                  const std::function<bool()>& cancelled);
  // Prepared before a docker-style Wait begins: the exit count it waits past.
  absl::StatusOr<ContainerRef> Get(const std::string& ref) { return store_.Get(ref); }
  // The json-file options the shim writes `c`'s log with (its LogConfig,
  // else daemon.json's log-opts): what a reader of the log needs.
  absl::StatusOr<JsonFileOptions> LogOptionsOf(const Container& c) const;

  ContainerStore& store() { return store_; }
  ContainerdClient& containerd() { return containerd_; }

 private:
  struct TaskExitInfo {
    std::string container_id;
    std::string exec_id;
    uint32_t pid = 0;
    uint32_t status = 0;
    std::string exited_at;
  };

  absl::StatusOr<bool> StartLocked(const ContainerRef& entry);
  absl::StatusOr<bool> StopLocked(const ContainerRef& entry, std::optional<int> timeout,
                                  const std::string& signal);
  absl::Status RemoveLocked(const ContainerRef& entry, bool remove_volumes);
  absl::Status DeleteTaskIfAny(const std::string& id);
  // Handles an init's exit: records it, removes an --rm container, or
  // schedules a restart. Exactly once per run: an exit for a container no
  // longer running, or for another run's pid (0 matches any), is ignored.
  void HandleExit(const ContainerRef& entry, uint32_t pid, uint32_t status,
                  const std::string& exited_at);
  void ScheduleRestart(const ContainerRef& entry, std::chrono::milliseconds delay);
  void EventLoop();
  // Asks containerd about every container recorded as running.
  void ReconcileRunning();
  void OnTaskExit(const TaskExitInfo& exit);
  void OnTaskOom(const std::string& container_id);
  void Emit(const std::string& action, const ContainerRef& entry,
            std::map<std::string, std::string> extra = {});
  void Persist(const ContainerRef& entry);  // entry->mu held

  ManagerOptions options_;
  ContainerdClient& containerd_;
  ContainerStore& store_;
  ImageBackend& images_;
  VolumeStore* volumes_;
  ContainerEventFn events_;
  ExecExitFn exec_exits_;
  ContainerEndFn container_ends_;

  std::mutex backoff_mu_;
  std::map<std::string, RestartBackoff> backoff_;
  std::map<std::string, std::chrono::steady_clock::time_point> started_at_;

  std::atomic<bool> stopping_{false};
  std::unique_ptr<grpc::ClientContext> event_ctx_;
  std::mutex event_ctx_mu_;
  std::thread event_thread_;
  // Last member: its destructor joins the threads before the rest goes.
  BackgroundTasks background_;
};

}  // namespace berth::engined

// docker exec: instances created on a running container, started later
// (attached through a hijacked connection or detached), inspected, resized.
// Like dockerd, berthd keeps exec instances in memory only, and forgets
// them as dockerd does: those never started when their container's task
// ends (and every one when the container is removed) at once, those that
// exited some minutes later (dockerd's exec GC). One still running when
// the task ends has died with it and is kept as exited.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "engined/daemon/container_manager.h"

namespace berth::engined {

struct ExecInstance {
  std::string id;
  std::string container_id;
  nlohmann::json config;  // docker's ExecConfig as sent
  bool running = false;
  bool started = false;
  bool exited = false;
  int exit_code = 0;
  bool die_reported = false;  // exec_die emitted
  int pid = 0;
  std::chrono::steady_clock::time_point exited_at;
};

class ExecManager {
 public:
  explicit ExecManager(ContainerManager& containers);

  // POST /containers/{id}/exec -> the exec id.
  absl::StatusOr<std::string> Create(const std::string& container_ref,
                                     const nlohmann::json& config);
  // POST /exec/{id}/start, detached: starts and returns.
  absl::Status StartDetached(const std::string& exec_id);
  // POST /exec/{id}/start attached: `hijack` takes over the connection
  // once the start is known to be valid (docker answers errors as HTTP
  // before the upgrade).
  absl::Status StartAttached(
      const std::string& exec_id,
      const std::function<absl::StatusOr<std::pair<UniqueFd, std::string>>(bool tty)>& hijack);
  absl::Status Resize(const std::string& exec_id, int height, int width);
  // GET /exec/{id}/json.
  absl::StatusOr<nlohmann::json> Inspect(const std::string& exec_id);
  // Exec ids of a container (inspect's ExecIDs).
  std::vector<std::string> IdsOf(const std::string& container_id);

  // From the container manager's event loop.
  void OnExit(const std::string& container_id, const std::string& exec_id, uint32_t status);
  // The container's task ended, or (`removed`) the container is gone.
  void OnContainerEnd(const std::string& container_id, bool removed);

  // dockerd's exec GC looks every 5 minutes, marks an exited exec
  // removable (CanRemove) on its first look and drops it on the next: an
  // exited exec stays 5 to 10 minutes. berthd marks at 5 and drops at 10.
  static constexpr std::chrono::minutes kCanRemoveAfter{5};
  static constexpr std::chrono::minutes kDropAfter{10};

 private:
  absl::StatusOr<std::shared_ptr<ExecInstance>> Get(const std::string& exec_id);
  // Registers the process with containerd (Tasks.Exec); marks it started.
  absl::Status Prepare(const std::shared_ptr<ExecInstance>& exec);
  absl::Status StartProcess(const std::shared_ptr<ExecInstance>& exec);
  // The exec_start event, once the start is known to be valid.
  void EmitStart(const ExecInstance& exec);
  // Drops exited execs past kDropAfter (mu_ held).
  void PruneLocked();
  void MarkExitedLocked(ExecInstance& exec, int code);

  ContainerManager& containers_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<ExecInstance>> execs_;
};

}  // namespace berth::engined

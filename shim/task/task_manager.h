// The shim's one container and its exec processes: lifecycle through the
// OCI runtime's command line, stdio through the IoHub, exits through the
// reaper, events into the EventLog. Transport-free: the gRPC service is a
// thin adapter over this.
//
// Locking: `op_mu_` serializes lifecycle operations (each may run the
// runtime for a while); `mu_` guards process state and is never held while
// the runtime runs, because the runtime's own exit is reaped on the hub
// thread, which also takes `mu_` for the container's exits.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shim/events.h"
#include "shim/io/io_hub.h"
#include "shim/runtime/oom_watch.h"
#include "shim/runtime/runtime_client.h"
#include "shim/task/types.h"

namespace berth::shim::task {

struct TaskIdentity {
  std::string id;
  std::string ns;
  std::string bundle;
  // Short private directory for console sockets and pid files.
  std::string work_dir;
};

class TaskManager {
 public:
  using WaitCallback = std::function<void(const ExitInfo&)>;

  TaskManager(TaskIdentity identity, RuntimeClient* runtime, io::IoHub* hub, EventLog* events);
  ~TaskManager();

  const TaskIdentity& identity() const { return identity_; }

  absl::StatusOr<uint32_t> Create(const CreateParams& params);
  absl::StatusOr<uint32_t> Start(const std::string& exec_id);
  absl::StatusOr<ProcessState> State(const std::string& exec_id);
  absl::StatusOr<std::vector<ProcessEntry>> Pids();
  absl::Status Kill(const std::string& exec_id, int signal, bool all);
  absl::Status Exec(const ExecParams& params);
  absl::Status ResizePty(const std::string& exec_id, unsigned width, unsigned height);
  absl::Status CloseStdin(const std::string& exec_id);
  // `done` runs once the process exited: now, or later on another thread.
  absl::Status Wait(const std::string& exec_id, WaitCallback done);
  absl::StatusOr<ExitInfo> Delete(const std::string& exec_id, bool force);
  absl::Status Pause();
  absl::Status Resume();
  absl::Status Update(const std::string& resources_json);
  absl::StatusOr<TaskStats> Stats();

  // Whether stdin is kept for attachers and closed after the first one
  // detaches (docker's StdinOnce).
  bool StdinOnce(const std::string& exec_id);

  // Whether a container exists that Delete has not removed.
  bool HasTask();
  uint32_t InitPid();

  // A child of the shim exited (called by the reaper for pids that are not
  // runtime commands).
  void OnExit(pid_t pid, const ExitStatus& status);

 private:
  struct Process;

  absl::StatusOr<Process*> Find(const std::string& exec_id);  // mu_ held
  absl::Status CheckId(const std::string& exec_id);
  void Claim(Process& process);  // mu_ held: a pid learnt late may have exited already
  absl::StatusOr<uint32_t> StartProcess(const std::string& exec_id, const std::string& spec,
                                        bool terminal, bool with_stdin);
  void FinishExit(const std::string& exec_id);
  absl::StatusOr<ExitInfo> AwaitExit(const std::string& exec_id, std::chrono::seconds timeout);
  void WatchOom(pid_t pid);
  void Publish(const char* topic, const std::string& exec_id, uint32_t pid,
               uint32_t exit_status = 0);

  const TaskIdentity identity_;
  RuntimeClient* const runtime_;
  io::IoHub* const hub_;
  EventLog* const events_;

  std::mutex op_mu_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Process>> processes_;  // "" is the init
  std::map<pid_t, ExitStatus> unclaimed_exits_;
  std::vector<std::string> rootfs_mounted_;
  // Shared with the hub's watcher callback, which may still be running when
  // Delete drops it.
  std::shared_ptr<OomWatch> oom_;
};

}  // namespace berth::shim::task

// berthd's own berth-containerd, as dockerd runs its containerd: started
// under the exec root when no --containerd socket is given, restarted if it
// dies, adopted (not restarted) when a previous berthd left it running.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace berth::engined {

struct SupervisorOptions {
  std::string binary;    // berth-containerd
  std::string socket;    // <exec-root>/containerd/containerd.sock
  std::string root;      // <data-root>/containerd
  std::string state;     // <exec-root>/containerd
  std::string log_file;  // its stderr
  std::string log_level = "info";
};

class ContainerdSupervisor {
 public:
  explicit ContainerdSupervisor(SupervisorOptions options);
  // Stops watching; with `terminate`, also stops berth-containerd (SIGTERM,
  // its tasks keep running).
  ~ContainerdSupervisor();

  // Adopts a running one or starts one, and waits until it answers.
  absl::Status Start();
  void Stop(bool terminate);

  const std::string& socket() const { return options_.socket; }
  pid_t pid() const { return pid_; }

 private:
  absl::Status Spawn();
  absl::Status WaitReady(std::chrono::milliseconds timeout);
  void Watch();
  bool Alive();
  std::string PidFile() const;

  SupervisorOptions options_;
  std::atomic<pid_t> pid_{-1};
  bool own_child_ = false;  // we can waitpid it
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread watcher_;
};

}  // namespace berth::engined

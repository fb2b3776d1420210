// Cgroup management for one container, on cgroup v1, v2 and hybrid hosts.
//
// A Manager owns the container's cgroup directories: it creates them, applies
// spec::Resources, adds processes, freezes, reports stats and removes them.
// Every path is computed once at create time and persisted in the container
// state (Paths()), because a later `berth-runtime kill` may run in another
// cgroup than the `create` that computed them.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/cgroups/layout.h"
#include "runtime/cgroups/stats.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

enum class FreezerState { kThawed, kFrozen, kFreezing };

class Manager {
 public:
  virtual ~Manager() = default;

  // Creates the cgroup directories (and, on v2, enables the controllers the
  // resources need in every parent). Existing directories are reused, as
  // when a pod's containers share a parent.
  virtual absl::Status Create() = 0;

  // Writes the limits present in `resources`; absent fields are left alone,
  // so `update` can pass a partial set. Errors name the file and value.
  virtual absl::Status Apply(const spec::Resources& resources) = 0;

  // Moves `pid` into every hierarchy of this container.
  virtual absl::Status AddProcess(pid_t pid) = 0;

  virtual absl::Status Freeze() = 0;
  virtual absl::Status Thaw() = 0;
  virtual absl::StatusOr<FreezerState> GetFreezerState() = 0;

  // Every process in the container's cgroup and its descendants.
  virtual absl::StatusOr<std::vector<pid_t>> Pids() = 0;

  // Sends `signal` to every process, freezing first so none can fork in
  // between (on v2 with SIGKILL, cgroup.kill does it atomically).
  virtual absl::Status SignalAll(int signal) = 0;

  virtual absl::StatusOr<Stats> GetStats() = 0;

  // Removes the directories (children first). Processes must be gone;
  // retries briefly while exiting tasks drain.
  virtual absl::Status Destroy() = 0;

  // controller -> absolute directory ("" key for the v2 / unified dir).
  // On v1 the keys are the mounted controllers (co-mounted ones share a
  // directory) plus "name=systemd"; a hybrid host has the "" key as well.
  virtual std::map<std::string, std::string> Paths() const = 0;

  // The file whose notifications signal OOM kills: v1 memory.oom_control
  // (register with cgroup.event_control) or v2 memory.events.
  virtual std::string OomEventSource() const = 0;

  virtual Mode mode() const = 0;
};

// Where a container's cgroups go. cgroups_path as in config.json: absolute
// paths are under each hierarchy's root, relative ones under the cgroup of
// the calling process, and empty means "<own cgroup>/<id>" (runc's rule).
struct ManagerOptions {
  std::string cgroups_path;
  std::string container_id;
  bool systemd = false;  // --systemd-cgroup: rejected unless systemd is PID 1
};

// Builds a manager for a new container on the host described by `layout`.
absl::StatusOr<std::unique_ptr<Manager>> NewManager(const Layout& layout,
                                                    const ManagerOptions& options);

// Rebuilds a manager from persisted Paths() of an existing container.
absl::StatusOr<std::unique_ptr<Manager>> LoadManager(
    const Layout& layout, const std::map<std::string, std::string>& paths);

}  // namespace berth::runtime::cgroups

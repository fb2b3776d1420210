// The runtime's side of container creation: clones the init process, places
// it in its cgroups, writes its id mappings, runs the runtime-namespace
// hooks when init asks, and returns once init waits for `start`.
#pragma once

#include <sys/types.h>

#include <functional>

#include "absl/status/statusor.h"
#include "common/scoped_pid.h"
#include "runtime/cgroups/manager.h"
#include "runtime/process/container_init.h"

namespace berth::runtime::process {

struct LaunchHooks {
  // prestart + createRuntime, given the init pid; may be empty.
  std::function<absl::Status(pid_t init_pid)> runtime_hooks;
  // A seccomp notify fd from the container, for linux.seccomp.listenerPath.
  std::function<absl::Status(int seccomp_fd, pid_t init_pid)> seccomp_listener;
};

struct Launched {
  pid_t init_pid = 0;
  // Our child when init is (direct path); on error paths its destructor
  // kills it. Callers release it once the container is recorded.
  ScopedPid child;
};

// The runtime's half of the setup conversation with a freshly cloned child
// (create and exec share it): cgroup placement, id mappings, hooks, the
// seccomp listener, and the switch to the real init when the child forks.
absl::StatusOr<Launched> SuperviseSetup(const spec::Spec& spec, cgroups::Manager* cgroups,
                                        const LaunchHooks& hooks, Channel& channel,
                                        ScopedPid child, bool write_mappings_now);

// `config` must outlive the call; the child reads it after clone.
absl::StatusOr<Launched> LaunchContainer(const InitConfig& config, cgroups::Manager* cgroups,
                                         const LaunchHooks& hooks);

}  // namespace berth::runtime::process

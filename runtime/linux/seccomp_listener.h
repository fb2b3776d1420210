// Hands a seccomp notify listener fd to the seccomp agent at
// linux.seccomp.listenerPath (runtime-spec config-linux.md, "The Container
// Process State"; runc libcontainer/process_linux.go sendContainerProcessState).
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "common/json_util.h"

namespace berth::runtime::linux {

// The container process state sent with the fd:
//   {"ociVersion", "fds": ["seccompFd"], "pid", "metadata" (only if
//    non-empty), "state": <state>}
// `state` is the container's runtime-spec state object (ociVersion, id,
// status, pid, bundle, annotations), passed through as given.
json::Json ContainerProcessState(pid_t pid, const std::string& metadata, const json::Json& state);

// Connects (AF_UNIX, SOCK_STREAM) to `listener_path`, sends
// ContainerProcessState(pid, metadata, state) as JSON with `seccomp_fd`
// attached (SCM_RIGHTS) in the first sendmsg, and closes the connection: one
// state per connection, as the spec requires. Does not close `seccomp_fd`.
absl::Status SendSeccompListenerFd(const std::string& listener_path, int seccomp_fd, pid_t pid,
                                   const std::string& metadata, const json::Json& state);

}  // namespace berth::runtime::linux

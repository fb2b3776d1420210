// The container's first process, from clone until it executes the user's
// program: joins and creates namespaces, builds the rootfs, runs the
// in-container hooks, and waits for `start`.
#pragma once

#include <map>
#include <string>

#include "runtime/cgroups/layout.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/seccomp_program.h"
#include "runtime/process/channel.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::process {

struct InitConfig {
  const spec::Spec* spec = nullptr;
  std::string id;
  std::string bundle;
  std::string rootfs;  // absolute, symlinks resolved
  bool no_pivot = false;
  bool no_new_keyring = false;
  uint32_t preserve_fds = 0;
  int console_socket_fd = -1;
  int fifo_fd = -1;  // exec.fifo opened O_RDWR: init blocks reading it until start
  const linux::NamespacePlan* namespaces = nullptr;
  // Staged: the namespaces cannot all come from clone flags (a user
  // namespace is joined, or a new one must be made after joining others),
  // so this process joins / unshares and forks the real init.
  bool staged = false;
  const cgroups::Layout* cgroup_layout = nullptr;
  std::map<std::string, std::string> cgroup_paths;
  const linux::SeccompProgram* seccomp_program = nullptr;  // see ProcessPlan
};

// Never returns: executes the program, or reports the error on the channel
// and exits 1.
[[noreturn]] void RunContainerInit(const InitConfig& config, Channel& channel);

}  // namespace berth::runtime::process

// `exec`: a new process inside a running container, joining every one of its
// namespaces and its cgroups.
#pragma once

#include "absl/status/statusor.h"
#include "runtime/cgroups/manager.h"
#include "runtime/linux/namespaces.h"
#include "runtime/process/launcher.h"
#include "runtime/process/process_setup.h"

namespace berth::runtime::process {

struct ExecConfig {
  ProcessPlan plan;                                 // spec points at the container's config
  const linux::NamespacePlan* namespaces = nullptr;  // from PlanExecNamespaces
};

// Returns once the program has been executed (or failed to be) in the
// container; Launched::init_pid is the new process's host pid.
absl::StatusOr<Launched> LaunchExec(const ExecConfig& config, cgroups::Manager* cgroups,
                                    const LaunchHooks& hooks);

}  // namespace berth::runtime::process

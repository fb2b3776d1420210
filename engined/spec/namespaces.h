// Which namespaces a container gets from NetworkMode, PidMode, IpcMode,
// UTSMode and CgroupnsMode.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

struct NamespacePaths {
  std::string network;                 // join this netns (container:<id> or a prepared one)
  std::string pid;                     // PidMode container:<id>
  std::string ipc;                     // IpcMode container:<id>
  bool cgroup_private_default = true;  // CgroupnsMode "" (docker: private on cgroup v2)
};

struct NamespacePlan {
  nlohmann::json namespaces = nlohmann::json::array();
  bool host_network = false;
  bool host_uts = false;         // no UTS namespace: the spec must not set a hostname
  bool private_network = false;  // a new network namespace is created
  bool with_shm = true;          // IpcMode "none" and "host" get no /dev/shm tmpfs
};

// "host" shares the host's; "container:<id>" needs the matching path.
absl::StatusOr<NamespacePlan> PlanNamespaces(const nlohmann::json& host_config,
                                             const NamespacePaths& paths);

}  // namespace berth::engined::spec

#include "engined/spec/namespaces.h"

#include "common/status.h"
#include "engined/spec/fields.h"

namespace berth::engined::spec {
namespace {

nlohmann::json Ns(const char* type, const std::string& path = "") {
  nlohmann::json j = {{"type", type}};
  if (!path.empty()) j["path"] = path;
  return j;
}

bool IsContainerMode(const std::string& mode) { return mode.rfind("container:", 0) == 0; }

}  // namespace

absl::StatusOr<NamespacePlan> PlanNamespaces(const nlohmann::json& hc,
                                             const NamespacePaths& paths) {
  const char* p = "HostConfig";
  BERTH_ASSIGN_OR_RETURN(std::string net, GetString(hc, "NetworkMode", p));
  BERTH_ASSIGN_OR_RETURN(std::string pid, GetString(hc, "PidMode", p));
  BERTH_ASSIGN_OR_RETURN(std::string ipc, GetString(hc, "IpcMode", p));
  BERTH_ASSIGN_OR_RETURN(std::string uts, GetString(hc, "UTSMode", p));
  BERTH_ASSIGN_OR_RETURN(std::string cgroupns, GetString(hc, "CgroupnsMode", p));

  NamespacePlan plan;
  plan.namespaces.push_back(Ns("mount"));

  plan.host_network = net == "host";
  if (!plan.host_network) {
    if (IsContainerMode(net) && paths.network.empty()) {
      return InvalidArgumentf("HostConfig.NetworkMode: \"{}\" needs the network namespace path",
                              net);
    }
    plan.private_network = paths.network.empty();
    plan.namespaces.push_back(Ns("network", paths.network));
  }
  // A container on the host's network also has the host's name.
  plan.host_uts = plan.host_network || uts == "host";
  if (!plan.host_uts) plan.namespaces.push_back(Ns("uts"));

  if (pid != "host") {
    if (IsContainerMode(pid) && paths.pid.empty()) {
      return InvalidArgumentf("HostConfig.PidMode: \"{}\" needs the pid namespace path", pid);
    }
    plan.namespaces.push_back(Ns("pid", paths.pid));
  }
  if (ipc != "host") {
    if (IsContainerMode(ipc) && paths.ipc.empty()) {
      return InvalidArgumentf("HostConfig.IpcMode: \"{}\" needs the ipc namespace path", ipc);
    }
    plan.namespaces.push_back(Ns("ipc", paths.ipc));
  }
  // Shared IPC modes bring /dev/shm in as a caller mount; "none" has none.
  plan.with_shm = !(ipc == "none" || ipc == "host" || IsContainerMode(ipc));

  if (cgroupns == "private" || (cgroupns.empty() && paths.cgroup_private_default)) {
    plan.namespaces.push_back(Ns("cgroup"));
  } else if (!cgroupns.empty() && cgroupns != "host") {
    return InvalidArgumentf("invalid cgroup namespace mode: {}", cgroupns);
  }
  return plan;
}

}  // namespace berth::engined::spec

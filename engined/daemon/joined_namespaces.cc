#include "engined/daemon/joined_namespaces.h"

#include <fmt/format.h>

#include <mutex>

#include "common/status.h"

namespace berth::engined {
namespace {

constexpr std::string_view kContainerPrefix = "container:";

// The donor named by `mode` if it is "container:<ref>", else nullopt.
absl::StatusOr<std::optional<Container>> Donor(const Container& c, const std::string& mode,
                                               const char* what, const ContainerStore& store) {
  if (mode.rfind(kContainerPrefix, 0) != 0) return std::optional<Container>();
  std::string ref = mode.substr(kContainerPrefix.size());
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, store.Get(ref));
  Container donor;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    donor = entry->c;
  }
  if (donor.id == c.id) return InvalidArgumentf("cannot join own {}", what);
  if (donor.state.status == RunState::kRestarting) {
    return FailedPreconditionf("Container {} is restarting, wait until the container is running",
                               donor.id);
  }
  if (!donor.state.Running() || donor.state.pid <= 0) {
    return FailedPreconditionf("cannot join {} of a non running container: {}", what, ref);
  }
  return std::optional<Container>(std::move(donor));
}

}  // namespace

absl::StatusOr<JoinedNamespaces> ResolveJoinedNamespaces(const Container& c,
                                                         const ContainerStore& store) {
  JoinedNamespaces out;
  BERTH_ASSIGN_OR_RETURN(std::optional<Container> net, Donor(c, c.NetworkMode(), "network", store));
  if (net) {
    out.network_path = fmt::format("/proc/{}/ns/net", net->state.pid);
    out.network_donor = std::move(net);
  }
  std::string pid_mode =
      c.host_config.is_object() ? c.host_config.value("PidMode", std::string()) : std::string();
  BERTH_ASSIGN_OR_RETURN(std::optional<Container> pid, Donor(c, pid_mode, "PID", store));
  if (pid) out.pid_path = fmt::format("/proc/{}/ns/pid", pid->state.pid);
  return out;
}

}  // namespace berth::engined

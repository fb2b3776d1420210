// NetworkMode and PidMode "container:<name|id>": the running container whose
// namespaces a container joins, looked up at each of its starts (as moby
// does, so a donor restarted in between is followed).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engined/daemon/container.h"
#include "engined/daemon/container_store.h"

namespace berth::engined {

struct JoinedNamespaces {
  std::string network_path;  // /proc/PID/ns/net of the network donor, or ""
  std::string pid_path;      // /proc/PID/ns/pid of the PID donor, or ""
  // The network donor, whose /etc files, hostname and domain name the
  // joiner shares.
  std::optional<Container> network_donor;
};

// 404 for an unknown donor, 409 for one not running, 400 for the container
// itself.
absl::StatusOr<JoinedNamespaces> ResolveJoinedNamespaces(const Container& c,
                                                         const ContainerStore& store);

}  // namespace berth::engined

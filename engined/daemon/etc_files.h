// The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf docker
// writes into the container's directory and bind-mounts into it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::engined {

struct EtcFiles {
  std::string hostname_path;
  std::string hosts_path;
  std::string resolv_conf_path;
};

// Writes the three files under `dir` for a container with docker Config
// `config` (Hostname, Domainname) and HostConfig `host_config` (NetworkMode,
// ExtraHosts, Dns, DnsSearch, DnsOptions). With host networking the host's
// hosts file is the base, as docker does.
absl::StatusOr<EtcFiles> WriteEtcFiles(const std::string& dir, const nlohmann::json& config,
                                       const nlohmann::json& host_config,
                                       const std::string& host_etc = "/etc");

// The container's hostname: Config.Hostname, else the host's under host
// networking, else the short id.
std::string ContainerHostname(const nlohmann::json& config, const nlohmann::json& host_config,
                              const std::string& id);

}  // namespace berth::engined

// berthd's settings: its command line (dockerd's flag names) over
// daemon.json, as dockerd reads them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace berth::engined::server {

struct EngineConfig {
  std::vector<std::string> hosts;  // -H: unix:///path (tcp:// needs TLS)
  std::string data_root = "/var/lib/berth";
  std::string exec_root = "/run/berth";
  std::string containerd;  // an external berth-containerd socket; empty: our own
  std::string config_file = "/etc/berth/daemon.json";
  std::string pidfile;
  std::string log_level = "info";
  std::string group;  // owner group of the unix socket
  bool tls_verify = false;
  std::string tls_ca, tls_cert, tls_key;
  // daemon.json only.
  nlohmann::json log_opts = nlohmann::json::object();
  nlohmann::json default_ulimits = nlohmann::json::array();
  // Companion programs (found beside berthd by default).
  std::string containerd_binary;
  std::string init_binary;
};

// Applies daemon.json at config.config_file (missing is fine when it is
// the default path) for every setting not given on the command line;
// `flags_set` names the settings the command line gave ("data-root", ...).
// A setting in both places is an error, as dockerd reports it.
absl::Status ApplyDaemonJson(EngineConfig& config, const std::vector<std::string>& flags_set,
                             bool file_required);

}  // namespace berth::engined::server

#include "engined/server/engine_config.h"

#include <algorithm>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::server {

absl::Status ApplyDaemonJson(EngineConfig& config, const std::vector<std::string>& flags_set,
                             bool file_required) {
  if (!PathExists(config.config_file)) {
    if (file_required) return NotFoundf("config file {}: not found", config.config_file);
    return absl::OkStatus();
  }
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(config.config_file));
  BERTH_ASSIGN_OR_RETURN(nlohmann::json j, json::Parse(text, config.config_file));
  if (!j.is_object()) return InvalidArgumentf("{}: expected a JSON object", config.config_file);
  std::vector<std::string> conflicts;
  auto flagged = [&](const std::string& key) {
    return std::find(flags_set.begin(), flags_set.end(), key) != flags_set.end();
  };
  auto take_string = [&](const char* key, std::string& out) -> absl::Status {
    auto it = j.find(key);
    if (it == j.end()) return absl::OkStatus();
    if (!it->is_string())
      return InvalidArgumentf("{}: {} must be a string", config.config_file, key);
    if (flagged(key)) {
      conflicts.push_back(
          fmt::format("{}: (from flag: {}, from file: {})", key, out, it->get<std::string>()));
      return absl::OkStatus();
    }
    out = it->get<std::string>();
    return absl::OkStatus();
  };
  BERTH_RETURN_IF_ERROR(take_string("data-root", config.data_root));
  BERTH_RETURN_IF_ERROR(take_string("exec-root", config.exec_root));
  BERTH_RETURN_IF_ERROR(take_string("containerd", config.containerd));
  BERTH_RETURN_IF_ERROR(take_string("pidfile", config.pidfile));
  BERTH_RETURN_IF_ERROR(take_string("log-level", config.log_level));
  BERTH_RETURN_IF_ERROR(take_string("group", config.group));
  BERTH_RETURN_IF_ERROR(take_string("tlscacert", config.tls_ca));
  BERTH_RETURN_IF_ERROR(take_string("tlscert", config.tls_cert));
  BERTH_RETURN_IF_ERROR(take_string("tlskey", config.tls_key));
  if (auto it = j.find("tlsverify"); it != j.end()) {
    if (!it->is_boolean())
      return InvalidArgumentf("{}: tlsverify must be a boolean", config.config_file);
    if (!flagged("tlsverify")) config.tls_verify = it->get<bool>();
  }
  if (auto it = j.find("hosts"); it != j.end()) {
    if (!it->is_array()) return InvalidArgumentf("{}: hosts must be a list", config.config_file);
    if (flagged("hosts")) {
      conflicts.push_back("hosts");
    } else {
      for (const auto& h : *it) {
        if (!h.is_string())
          return InvalidArgumentf("{}: hosts must be strings", config.config_file);
        config.hosts.push_back(h.get<std::string>());
      }
    }
  }
  if (auto it = j.find("log-opts"); it != j.end()) {
    if (!it->is_object())
      return InvalidArgumentf("{}: log-opts must be an object", config.config_file);
    config.log_opts = *it;
  }
  if (auto it = j.find("log-driver"); it != j.end()) {
    if (!it->is_string() || (it->get<std::string>() != "json-file")) {
      return InvalidArgumentf("{}: log-driver: berthd writes json-file logs only",
                              config.config_file);
    }
  }
  if (auto it = j.find("default-ulimits"); it != j.end()) {
    // dockerd's map {"nofile": {"Name": "nofile", "Soft": n, "Hard": n}}.
    if (!it->is_object())
      return InvalidArgumentf("{}: default-ulimits must be an object", config.config_file);
    config.default_ulimits = nlohmann::json::array();
    for (const auto& [name, u] : it->items()) {
      nlohmann::json entry = u;
      if (!entry.is_object())
        return InvalidArgumentf("{}: default-ulimits.{}: expected an object", config.config_file,
                                name);
      entry["Name"] = name;
      config.default_ulimits.push_back(entry);
    }
  }
  if (!conflicts.empty()) {
    return InvalidArgumentf(
        "the following directives are specified both as a flag and in the configuration file: {}",
        Join(conflicts, ", "));
  }
  return absl::OkStatus();
}

}  // namespace berth::engined::server

#include "engined/daemon/container.h"

#include "common/status.h"

namespace berth::engined {

namespace {

constexpr std::pair<RunState, const char*> kRunStateNames[] = {
    {RunState::kCreated, "created"},   {RunState::kRunning, "running"},
    {RunState::kPaused, "paused"},     {RunState::kRestarting, "restarting"},
    {RunState::kRemoving, "removing"}, {RunState::kExited, "exited"},
    {RunState::kDead, "dead"},
};

template <typename T>
T Get(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->get<bool>() : fallback;
  } else {
    return it->is_number_integer() ? it->get<T>() : fallback;
  }
}

}  // namespace

std::string RunStateName(RunState state) {
  for (const auto& [s, name] : kRunStateNames) {
    if (s == state) return name;
  }
  return "dead";
}

absl::StatusOr<RunState> ParseRunState(const std::string& name) {
  for (const auto& [s, n] : kRunStateNames) {
    if (name == n) return s;
  }
  return InvalidArgumentf("invalid container status {:?}", name);
}

std::string Container::NetworkMode() const {
  std::string mode = Get<std::string>(host_config, "NetworkMode", "");
  return mode.empty() || mode == "default" ? "bridge" : mode;
}

nlohmann::json ContainerToRecord(const Container& c) {
  const ContainerState& s = c.state;
  return {
      {"ID", c.id},
      {"Name", c.name},
      {"Created", c.created},
      {"Image", c.image},
      {"ImageName", c.image_name},
      {"ChainID", c.chain_id},
      {"Config", c.config},
      {"HostConfig", c.host_config},
      {"State",
       {{"Status", RunStateName(s.status)},
        {"OOMKilled", s.oom_killed},
        {"Pid", s.pid},
        {"ExitCode", s.exit_code},
        {"Error", s.error},
        {"StartedAt", s.started_at},
        {"FinishedAt", s.finished_at},
        {"ManuallyStopped", s.manually_stopped},
        {"HasBeenStarted", s.has_been_started}}},
      {"RestartCount", c.restart_count},
      {"LogPath", c.log_path},
      {"HostnamePath", c.hostname_path},
      {"HostsPath", c.hosts_path},
      {"ResolvConfPath", c.resolv_conf_path},
      {"Mounts", c.mounts},
      {"Warnings", c.warnings},
      {"NetworkID", c.network_id},
      {"EndpointID", c.endpoint_id},
  };
}

absl::StatusOr<Container> ContainerFromRecord(const nlohmann::json& r) {
  if (!r.is_object()) return InvalidArgumentf("container record: not an object");
  Container c;
  c.id = Get<std::string>(r, "ID", "");
  if (c.id.size() != 64) return InvalidArgumentf("container record: bad ID {:?}", c.id);
  c.name = Get<std::string>(r, "Name", "");
  c.created = Get<std::string>(r, "Created", "");
  c.image = Get<std::string>(r, "Image", "");
  c.image_name = Get<std::string>(r, "ImageName", "");
  c.chain_id = Get<std::string>(r, "ChainID", "");
  if (auto it = r.find("Config"); it != r.end() && it->is_object()) c.config = *it;
  if (auto it = r.find("HostConfig"); it != r.end() && it->is_object()) c.host_config = *it;
  if (auto it = r.find("State"); it != r.end() && it->is_object()) {
    const nlohmann::json& s = *it;
    BERTH_ASSIGN_OR_RETURN(c.state.status, ParseRunState(Get<std::string>(s, "Status", "")));
    c.state.oom_killed = Get<bool>(s, "OOMKilled", false);
    c.state.pid = Get<int>(s, "Pid", 0);
    c.state.exit_code = Get<int>(s, "ExitCode", 0);
    c.state.error = Get<std::string>(s, "Error", "");
    c.state.started_at = Get<std::string>(s, "StartedAt", c.state.started_at);
    c.state.finished_at = Get<std::string>(s, "FinishedAt", c.state.finished_at);
    c.state.manually_stopped = Get<bool>(s, "ManuallyStopped", false);
    c.state.has_been_started = Get<bool>(s, "HasBeenStarted", false);
  }
  c.restart_count = Get<int>(r, "RestartCount", 0);
  c.log_path = Get<std::string>(r, "LogPath", "");
  c.hostname_path = Get<std::string>(r, "HostnamePath", "");
  c.hosts_path = Get<std::string>(r, "HostsPath", "");
  c.resolv_conf_path = Get<std::string>(r, "ResolvConfPath", "");
  c.network_id = Get<std::string>(r, "NetworkID", "");
  c.endpoint_id = Get<std::string>(r, "EndpointID", "");
  if (auto it = r.find("Mounts"); it != r.end() && it->is_array()) c.mounts = *it;
  if (auto it = r.find("Warnings"); it != r.end() && it->is_array()) {
    for (const auto& w : *it) {
      if (w.is_string()) c.warnings.push_back(w.get<std::string>());
    }
  }
  return c;
}

}  // namespace berth::engined

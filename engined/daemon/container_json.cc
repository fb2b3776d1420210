#include "engined/daemon/container_json.h"

#include <fmt/format.h>

#include "common/human_units.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "engined/daemon/container_config.h"
#include "engined/daemon/restart_policy.h"

namespace berth::engined {

namespace {

std::vector<std::string> CommandLine(const nlohmann::json& config) {
  std::vector<std::string> out;
  for (const char* key : {"Entrypoint", "Cmd"}) {
    auto it = config.find(key);
    if (it == config.end() || !it->is_array()) continue;
    for (const auto& a : *it) {
      if (a.is_string()) out.push_back(a.get<std::string>());
    }
  }
  return out;
}

int64_t UnixSeconds(const std::string& rfc3339) {
  absl::StatusOr<struct timespec> t = ParseRfc3339(rfc3339);
  return t.ok() ? t->tv_sec : 0;
}

nlohmann::json Labels(const Container& c) {
  auto it = c.config.find("Labels");
  return it != c.config.end() && it->is_object() ? *it : nlohmann::json::object();
}

}  // namespace

std::string ContainerStatusText(const ContainerState& st, int64_t now) {
  switch (st.status) {
    case RunState::kRunning:
      return "Up " + HumanDuration(now - UnixSeconds(st.started_at));
    case RunState::kPaused:
      return "Up " + HumanDuration(now - UnixSeconds(st.started_at)) + " (Paused)";
    case RunState::kRestarting:
      return fmt::format("Restarting ({}) {} ago", st.exit_code,
                         HumanDuration(now - UnixSeconds(st.finished_at)));
    case RunState::kRemoving:
      return "Removal In Progress";
    case RunState::kDead:
      return "Dead";
    case RunState::kCreated:
      return "Created";
    case RunState::kExited:
      if (UnixSeconds(st.finished_at) <= 0) return fmt::format("Exited ({})", st.exit_code);
      return fmt::format("Exited ({}) {} ago", st.exit_code,
                         HumanDuration(now - UnixSeconds(st.finished_at)));
  }
  return "";
}

// NetworkSettings.Ports: on the bridge, each exposed or requested port
// with no host binding (null), since berthd publishes none yet; docker
// fills it the same way for unpublished ports. Other modes have none.
nlohmann::json InspectPorts(const Container& c, const std::string& mode) {
  nlohmann::json ports = nlohmann::json::object();
  if (mode != "bridge") return ports;
  for (const nlohmann::json* group : {&c.config, &c.host_config}) {
    const char* key = group == &c.config ? "ExposedPorts" : "PortBindings";
    auto it = group->find(key);
    if (it == group->end() || !it->is_object()) continue;
    for (const auto& [port, unused] : it->items()) {
      ports[port.find('/') == std::string::npos ? port + "/tcp" : port] = nullptr;
    }
  }
  return ports;
}

namespace {

// NetworkSettings.Networks: the container's one network, as docker keeps
// it: IDs empty until the first start, NetworkID kept after, EndpointID
// only while running; no addresses (berthd's bridge has none yet). A
// container sharing another's namespace has none.
nlohmann::json InspectNetworks(const Container& c, const std::string& mode) {
  nlohmann::json networks = nlohmann::json::object();
  if (mode.rfind("container:", 0) == 0) return networks;
  networks[mode] = {{"IPAMConfig", nullptr},
                    {"Links", nullptr},
                    {"Aliases", nullptr},
                    {"MacAddress", ""},
                    {"DriverOpts", nullptr},
                    {"GwPriority", 0},
                    {"NetworkID", c.network_id},
                    {"EndpointID", c.endpoint_id},
                    {"Gateway", ""},
                    {"IPAddress", ""},
                    {"IPPrefixLen", 0},
                    {"IPv6Gateway", ""},
                    {"GlobalIPv6Address", ""},
                    {"GlobalIPv6PrefixLen", 0},
                    {"DNSNames", nullptr}};
  return networks;
}

}  // namespace

nlohmann::json ContainerInspectJson(const Container& c, const std::vector<std::string>& exec_ids) {
  std::vector<std::string> cmd = CommandLine(c.config);
  const ContainerState& s = c.state;
  std::string mode = c.NetworkMode();
  return {
      {"Id", c.id},
      {"Created", c.created},
      {"Path", cmd.empty() ? "" : cmd[0]},
      {"Args", cmd.empty() ? std::vector<std::string>{}
                           : std::vector<std::string>(cmd.begin() + 1, cmd.end())},
      {"State",
       {{"Status", RunStateName(s.status)},
        {"Running", s.status == RunState::kRunning || s.status == RunState::kPaused},
        {"Paused", s.status == RunState::kPaused},
        {"Restarting", s.status == RunState::kRestarting},
        {"OOMKilled", s.oom_killed},
        {"Dead", s.status == RunState::kDead},
        {"Pid", s.pid},
        {"ExitCode", s.exit_code},
        {"Error", s.error},
        {"StartedAt", s.started_at},
        {"FinishedAt", s.finished_at}}},
      {"Image", c.image},
      {"ResolvConfPath", c.resolv_conf_path},
      {"HostnamePath", c.hostname_path},
      {"HostsPath", c.hosts_path},
      {"LogPath", c.log_path},
      {"Name", c.name},
      {"RestartCount", c.restart_count},
      {"Driver", "overlay2"},
      {"Platform", "linux"},
      {"MountLabel", ""},
      {"ProcessLabel", ""},
      {"AppArmorProfile", ""},
      {"ExecIDs", exec_ids.empty() ? nlohmann::json(nullptr) : nlohmann::json(exec_ids)},
      {"HostConfig", c.host_config},
      {"GraphDriver", {{"Name", "overlay2"}, {"Data", nullptr}}},
      {"Mounts", ApiMounts(c)},
      {"Config", c.config},
      {"NetworkSettings",
       {{"Bridge", ""},
        {"SandboxID", ""},
        {"HairpinMode", false},
        {"LinkLocalIPv6Address", ""},
        {"LinkLocalIPv6PrefixLen", 0},
        {"Ports", InspectPorts(c, mode)},
        {"SandboxKey", ""},
        {"SecondaryIPAddresses", nullptr},
        {"SecondaryIPv6Addresses", nullptr},
        // docker's deprecated top-level fields mirror the default bridge's endpoint.
        {"EndpointID", mode == "bridge" ? c.endpoint_id : ""},
        {"Gateway", ""},
        {"GlobalIPv6Address", ""},
        {"GlobalIPv6PrefixLen", 0},
        {"IPAddress", ""},
        {"IPPrefixLen", 0},
        {"IPv6Gateway", ""},
        {"MacAddress", ""},
        {"Networks", InspectNetworks(c, mode)}}},
  };
}

nlohmann::json ContainerSummaryJson(const Container& c) {
  std::vector<std::string> cmd = CommandLine(c.config);
  return {
      {"Id", c.id},
      {"Names", {c.name}},
      {"Image", c.image_name},
      {"ImageID", c.image},
      {"Command", Join(cmd, " ")},
      {"Created", UnixSeconds(c.created)},
      {"Ports", nlohmann::json::array()},
      {"Labels", Labels(c)},
      {"State", RunStateName(c.state.status)},
      {"Status", ContainerStatusText(c.state, RealtimeNow().tv_sec)},
      {"HostConfig", {{"NetworkMode", c.NetworkMode()}}},
      {"NetworkSettings", {{"Networks", nlohmann::json::object()}}},
      {"Mounts", ApiMounts(c)},
  };
}

absl::StatusOr<Filters> ParseFilters(const std::string& text) {
  Filters out;
  if (text.empty()) return out;
  BERTH_ASSIGN_OR_RETURN(nlohmann::json j, json::Parse(text, "filters"));
  if (!j.is_object()) return InvalidArgumentf("invalid filter: expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (value.is_array()) {
      for (const auto& v : value) {
        if (!v.is_string()) return InvalidArgumentf("invalid filter '{}': expected strings", key);
        out[key].insert(v.get<std::string>());
      }
    } else if (value.is_object()) {
      for (const auto& [v, on] : value.items()) {
        if (on.is_boolean() && on.get<bool>()) out[key].insert(v);
      }
    } else {
      return InvalidArgumentf("invalid filter '{}'", key);
    }
  }
  return out;
}

absl::Status CheckFilterKeys(const Filters& filters, const std::set<std::string>& allowed) {
  for (const auto& [key, values] : filters) {
    if (allowed.count(key) == 0) return InvalidArgumentf("invalid filter '{}'", key);
  }
  return absl::OkStatus();
}

bool MatchesContainerFilters(const Container& c, const Filters& filters) {
  auto any = [&](const char* key, const std::function<bool(const std::string&)>& pred) {
    auto it = filters.find(key);
    if (it == filters.end() || it->second.empty()) return true;
    for (const std::string& v : it->second) {
      if (pred(v)) return true;
    }
    return false;
  };
  nlohmann::json labels = Labels(c);
  bool ok =
      any("id", [&](const std::string& v) { return c.id.rfind(v, 0) == 0; }) &&
      any("name",
          [&](const std::string& v) {
            return c.BareName().find(v.rfind('/', 0) == 0 ? v.substr(1) : v) != std::string::npos;
          }) &&
      any("status", [&](const std::string& v) { return RunStateName(c.state.status) == v; }) &&
      any("exited",
          [&](const std::string& v) {
            return c.state.status == RunState::kExited && std::to_string(c.state.exit_code) == v;
          }) &&
      any("ancestor", [&](const std::string& v) {
        return c.image_name == v || c.image == v || c.image.rfind("sha256:" + v, 0) == 0 ||
               c.image_name == v + ":latest";
      });
  if (!ok) return false;
  // Every label filter must hold (docker ANDs them).
  if (auto it = filters.find("label"); it != filters.end()) {
    for (const std::string& v : it->second) {
      auto [key, value] = SplitOnce(v, '=');
      auto l = labels.find(std::string(key));
      if (l == labels.end() || !l->is_string()) return false;
      if (value.has_value() && l->get<std::string>() != *value) return false;
    }
  }
  return true;
}

}  // namespace berth::engined

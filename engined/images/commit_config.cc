#include "engined/images/commit_config.h"

#include "common/status.h"
#include "common/strings.h"
#include "engined/images/changes.h"

namespace berth::engined::images {
namespace {

using Json = nlohmann::json;

// The container.Config fields an image config keeps (moby's
// containerConfigToOciImageConfig, plus docker's Healthcheck/OnBuild/Shell).
constexpr const char* kImageConfigFields[] = {
    "User",   "ExposedPorts", "Env",         "Entrypoint",  "Cmd",     "Volumes", "WorkingDir",
    "Labels", "StopSignal",   "ArgsEscaped", "Healthcheck", "OnBuild", "Shell"};

bool Empty(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (it->is_string() || it->is_array() || it->is_object()) return it->empty();
  return false;
}

std::string EnvKey(const Json& entry) {
  std::string text = entry.is_string() ? entry.get<std::string>() : "";
  return text.substr(0, text.find('='));
}

// moby daemon/commit.go merge(): what the request left empty comes from
// the container.
void Merge(Json& user, const Json& container) {
  auto copy_if_empty = [&](const char* key) {
    if (Empty(user, key) && container.contains(key)) user[key] = container[key];
  };
  copy_if_empty("User");
  if (Empty(user, "ExposedPorts")) {
    copy_if_empty("ExposedPorts");
  } else if (container.contains("ExposedPorts") && container["ExposedPorts"].is_object()) {
    for (const auto& [port, v] : container["ExposedPorts"].items()) {
      if (!user["ExposedPorts"].contains(port)) user["ExposedPorts"][port] = v;
    }
  }
  if (Empty(user, "Env")) {
    copy_if_empty("Env");
  } else if (container.contains("Env") && container["Env"].is_array()) {
    Json merged = user["Env"];
    for (const Json& entry : container["Env"]) {
      bool found = false;
      for (const Json& mine : user["Env"]) found = found || EnvKey(mine) == EnvKey(entry);
      if (!found) merged.push_back(entry);
    }
    user["Env"] = merged;
  }
  if (!user.contains("Labels") || !user["Labels"].is_object()) user["Labels"] = Json::object();
  if (container.contains("Labels") && container["Labels"].is_object()) {
    for (const auto& [k, v] : container["Labels"].items()) {
      if (!user["Labels"].contains(k)) user["Labels"][k] = v;
    }
  }
  if (Empty(user, "Entrypoint")) {
    if (Empty(user, "Cmd")) {
      copy_if_empty("Cmd");
      if (container.contains("ArgsEscaped")) user["ArgsEscaped"] = container["ArgsEscaped"];
    }
    // An empty list set on purpose ("--entrypoint ''") stays.
    if (!user.contains("Entrypoint") || user["Entrypoint"].is_null()) {
      copy_if_empty("Entrypoint");
    }
  }
  if (!Empty(container, "Healthcheck")) {
    if (Empty(user, "Healthcheck")) {
      user["Healthcheck"] = container["Healthcheck"];
    } else {
      for (const auto& [k, v] : container["Healthcheck"].items()) {
        if (Empty(user["Healthcheck"], k.c_str())) user["Healthcheck"][k] = v;
      }
    }
  }
  copy_if_empty("WorkingDir");
  if (Empty(user, "Volumes")) {
    copy_if_empty("Volumes");
  } else if (container.contains("Volumes") && container["Volumes"].is_object()) {
    for (const auto& [k, v] : container["Volumes"].items()) user["Volumes"][k] = v;
  }
  copy_if_empty("StopSignal");
}

}  // namespace

absl::StatusOr<nlohmann::json> CommitImageConfig(const nlohmann::json& container_config,
                                                 const nlohmann::json& requested,
                                                 const std::vector<std::string>& changes) {
  if (!requested.is_null() && !requested.is_object()) {
    return InvalidArgumentf("commit: the config must be a JSON object");
  }
  const Json& container = container_config.is_object() ? container_config : Json::object();
  // moby decodes an absent body as no config, and then starts from the
  // container's.
  Json config = requested.is_object() && !requested.empty() ? requested : container;
  BERTH_RETURN_IF_ERROR(ApplyChanges(changes, config));
  Merge(config, container);
  Json out = Json::object();
  for (const char* key : kImageConfigFields) {
    auto it = config.find(key);
    if (it != config.end() && !it->is_null()) out[key] = *it;
  }
  return out;
}

std::string CommitCreatedBy(const nlohmann::json& container_config) {
  std::vector<std::string> words;
  auto it = container_config.find("Cmd");
  if (it != container_config.end() && it->is_array()) {
    for (const Json& w : *it) {
      if (w.is_string()) words.push_back(w.get<std::string>());
    }
  }
  return Join(words, " ");
}

}  // namespace berth::engined::images

#include "engined/spec/merge.h"

#include <string>
#include <vector>

#include "common/status.h"
#include "engined/spec/fields.h"

namespace berth::engined::spec {
namespace {

std::string EnvKey(const std::string& entry) { return entry.substr(0, entry.find('=')); }

bool IsEmpty(const Json* v) {
  return v == nullptr || ((v->is_string() || v->is_array() || v->is_object()) && v->empty()) ||
         (v->is_number() && v->get<double>() == 0);
}

absl::Status CheckObject(const Json& j, const char* what) {
  if (!j.is_null() && !j.is_object()) return InvalidArgumentf("{}: expected an object", what);
  return absl::OkStatus();
}

// Image entries of an object-valued field (ports, volumes, labels) the
// container does not already have.
absl::Status UnionObject(Json& out, const Json& image, const char* key) {
  const Json* from = Field(image, key);
  if (from == nullptr) return absl::OkStatus();
  if (!from->is_object()) return InvalidArgumentf("image config.{}: expected an object", key);
  Json* to = out.contains(key) && out[key].is_object() ? &out[key] : nullptr;
  if (to == nullptr) {
    if (Field(out, key) != nullptr) return InvalidArgumentf("Config.{}: expected an object", key);
    out[key] = *from;
    return absl::OkStatus();
  }
  for (auto it = from->begin(); it != from->end(); ++it) {
    if (!to->contains(it.key())) (*to)[it.key()] = it.value();
  }
  return absl::OkStatus();
}

void MergeHealthcheck(Json& out, const Json& image) {
  const Json* from = Field(image, "Healthcheck");
  if (from == nullptr || !from->is_object()) return;
  const Json* have = Field(out, "Healthcheck");
  if (have == nullptr || !have->is_object()) {
    out["Healthcheck"] = *from;
    return;
  }
  Json& hc = out["Healthcheck"];
  for (const char* k : {"Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"}) {
    if (IsEmpty(Field(hc, k)) && Field(*from, k) != nullptr) hc[k] = (*from)[k];
  }
}

}  // namespace

absl::StatusOr<nlohmann::json> MergeImageConfig(const nlohmann::json& container_config,
                                                const nlohmann::json& image_config) {
  BERTH_RETURN_IF_ERROR(CheckObject(container_config, "Config"));
  BERTH_RETURN_IF_ERROR(CheckObject(image_config, "image config"));
  Json out = container_config.is_object() ? container_config : Json::object();

  for (const char* key : {"User", "WorkingDir", "StopSignal"}) {
    BERTH_ASSIGN_OR_RETURN(std::string mine, GetString(out, key, "Config"));
    BERTH_ASSIGN_OR_RETURN(std::string theirs, GetString(image_config, key, "image config"));
    if (mine.empty() && !theirs.empty()) out[key] = theirs;
  }

  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> env, GetStrings(out, "Env", "Config"));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> image_env,
                         GetStrings(image_config, "Env", "image config"));
  std::vector<std::string> merged_env = env;
  for (const std::string& e : image_env) {
    bool found = false;
    for (const std::string& mine : env) found = found || EnvKey(mine) == EnvKey(e);
    if (!found) merged_env.push_back(e);
  }
  if (!merged_env.empty()) out["Env"] = merged_env;

  // Cmd and Entrypoint: an entrypoint given at create replaces the image's
  // whole command line, so the image's Cmd only applies when neither is set.
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> entrypoint,
                         GetStrings(out, "Entrypoint", "Config"));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> cmd, GetStrings(out, "Cmd", "Config"));
  if (entrypoint.empty()) {
    if (cmd.empty() && Field(image_config, "Cmd") != nullptr) {
      BERTH_ASSIGN_OR_RETURN(out["Cmd"], GetStrings(image_config, "Cmd", "image config"));
    }
    if (Field(out, "Entrypoint") == nullptr && Field(image_config, "Entrypoint") != nullptr) {
      BERTH_ASSIGN_OR_RETURN(out["Entrypoint"],
                             GetStrings(image_config, "Entrypoint", "image config"));
    }
  }
  // `docker run --entrypoint ""` sends [""]: no entrypoint at all.
  BERTH_ASSIGN_OR_RETURN(entrypoint, GetStrings(out, "Entrypoint", "Config"));
  if (entrypoint.size() == 1 && entrypoint[0].empty()) out["Entrypoint"] = nullptr;

  BERTH_RETURN_IF_ERROR(UnionObject(out, image_config, "ExposedPorts"));
  BERTH_RETURN_IF_ERROR(UnionObject(out, image_config, "Volumes"));
  BERTH_RETURN_IF_ERROR(UnionObject(out, image_config, "Labels"));
  MergeHealthcheck(out, image_config);
  return out;
}

}  // namespace berth::engined::spec

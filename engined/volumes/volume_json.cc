#include "engined/volumes/volume_json.h"

#include "common/json_util.h"
#include "common/status.h"

namespace berth::engined::volumes {

namespace {

nlohmann::json MapJson(const std::map<std::string, std::string>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

}  // namespace

nlohmann::json VolumeToApiJson(const Volume& volume, const VolumeUsage* usage) {
  nlohmann::json j = {
      {"Name", volume.name},
      {"Driver", volume.driver},
      {"Mountpoint", volume.mountpoint},
      {"CreatedAt", volume.created_at},
      {"Labels", MapJson(volume.labels)},
      {"Scope", "local"},
      {"Options", MapJson(volume.options)},
  };
  if (usage != nullptr) {
    j["UsageData"] = {{"Size", usage->size}, {"RefCount", usage->ref_count}};
  }
  return j;
}

std::string VolumeToMetadata(const Volume& volume) {
  nlohmann::json j = {
      {"Name", volume.name},
      {"Driver", volume.driver},
      {"CreatedAt", volume.created_at},
      {"Labels", MapJson(volume.labels)},
      {"Options", MapJson(volume.options)},
  };
  return json::Dump(j, 2) + "\n";
}

absl::StatusOr<Volume> VolumeFromMetadata(const std::string& text, const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(json::Json j, json::Parse(text, path));
  json::View v(j, path);
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  Volume volume;
  BERTH_RETURN_IF_ERROR(v.Require("Name", &volume.name));
  BERTH_RETURN_IF_ERROR(v.Get("Driver", &volume.driver));
  BERTH_RETURN_IF_ERROR(v.Get("CreatedAt", &volume.created_at));
  BERTH_RETURN_IF_ERROR(v.Get("Labels", &volume.labels));
  BERTH_RETURN_IF_ERROR(v.Get("Options", &volume.options));
  return volume;
}

absl::StatusOr<VolumeCreateOptions> CreateOptionsFromJson(const nlohmann::json& body) {
  json::View v(body, "body");
  BERTH_RETURN_IF_ERROR(v.ExpectObject());
  VolumeCreateOptions opts;
  BERTH_RETURN_IF_ERROR(v.Get("Name", &opts.name));
  BERTH_RETURN_IF_ERROR(v.Get("Driver", &opts.driver));
  BERTH_RETURN_IF_ERROR(v.Get("DriverOpts", &opts.options));
  BERTH_RETURN_IF_ERROR(v.Get("Labels", &opts.labels));
  return opts;
}

}  // namespace berth::engined::volumes

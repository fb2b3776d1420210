// Volumes as JSON: the API's Volume object and the metadata file each
// volume keeps beside its _data.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "engined/volumes/volume.h"

namespace berth::engined::volumes {

// Engine API v1.43 Volume: Name, Driver, Mountpoint, CreatedAt, Labels,
// Scope, Options (Status absent; UsageData only when `usage` is given).
nlohmann::json VolumeToApiJson(const Volume& volume, const VolumeUsage* usage = nullptr);

// The metadata file: {"Name","Driver","CreatedAt","Labels","Options"}.
std::string VolumeToMetadata(const Volume& volume);
absl::StatusOr<Volume> VolumeFromMetadata(const std::string& text, const std::string& path);

// The create request body {Name, Driver, DriverOpts, Labels}.
absl::StatusOr<VolumeCreateOptions> CreateOptionsFromJson(const nlohmann::json& body);

}  // namespace berth::engined::volumes

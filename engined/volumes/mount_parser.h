// HostConfig.Mounts entries (docker's mount.Mount) and their validation,
// shared with -v parsing, which builds the same spec (docker's
// volume/mounts linux parser).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engined/volumes/mount_point.h"

namespace berth::engined::volumes {

struct MountSpec {
  std::string type;  // "bind", "volume", "tmpfs"
  std::string source;
  std::string target;
  bool read_only = false;
  // BindOptions
  bool has_bind_options = false;
  std::string propagation;
  // VolumeOptions
  bool has_volume_options = false;
  bool no_copy = false;
  std::map<std::string, std::string> labels;
  std::string driver;                                 // DriverConfig.Name
  std::map<std::string, std::string> driver_options;  // DriverConfig.Options
  // TmpfsOptions
  bool has_tmpfs_options = false;
  int64_t size_bytes = 0;
  uint32_t tmpfs_mode = 0;
};

// One HostConfig.Mounts element; `path` names it in errors ("HostConfig.Mounts[0]").
absl::StatusOr<MountSpec> MountSpecFromJson(const nlohmann::json& j, const std::string& path);

// Validates as docker does ("invalid mount config for type \"bind\": ...") and
// returns the mount point without volume resolution (no Source for
// volumes yet). `check_bind_source`: the Mounts API insists the bind source
// exists; -v creates it instead.
absl::StatusOr<MountPoint> ParseMountSpec(const MountSpec& spec, bool check_bind_source);

// TmpfsOptions -> mount data ("size=10m,mode=1777"); docker's ConvertTmpfsOptions.
std::string TmpfsOptionsData(const MountSpec& spec);

// docker's checks of a container path: absolute and not "/".
absl::Status ValidateContainerPath(const std::string& path);

bool IsPropagationMode(const std::string& mode);

}  // namespace berth::engined::volumes

// Turns a docker create request's mount settings into the container's
// mount points, creating and acquiring the volumes they name, in docker's
// order: VolumesFrom, then Binds, then Mounts, then Config.Volumes
// (anonymous, skipped where something is already mounted), then
// HostConfig.Tmpfs.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/volumes/mount_parser.h"
#include "engined/volumes/mount_point.h"
#include "engined/volumes/volume_store.h"

namespace berth::engined::volumes {

struct MountRequest {
  std::string container_id;
  std::vector<std::string> binds;            // HostConfig.Binds
  std::vector<MountSpec> mounts;             // HostConfig.Mounts
  std::map<std::string, std::string> tmpfs;  // HostConfig.Tmpfs
  std::vector<std::string> volumes;          // Config.Volumes keys (image's merged in)
  std::vector<std::string> volumes_from;     // HostConfig.VolumesFrom
  std::string volume_driver;                 // HostConfig.VolumeDriver
};

// Reads the request's fields from the create body's Config and HostConfig
// (either may be null).
absl::StatusOr<MountRequest> MountRequestFromJson(const std::string& container_id,
                                                  const nlohmann::json& config,
                                                  const nlohmann::json& host_config);

struct ResolvedMounts {
  // What docker inspect shows in "Mounts", sorted by destination.
  std::vector<MountPoint> mount_points;
  // HostConfig.Tmpfs: in config.json, not in inspect (as docker).
  std::vector<OciMount> tmpfs;
  // Volumes this container holds a reference on (release them at remove).
  std::vector<std::string> volumes;

  // config.json mounts, parents before children.
  std::vector<OciMount> OciMounts() const;
};

nlohmann::json ResolvedMountsToJson(const ResolvedMounts& r);
absl::StatusOr<ResolvedMounts> ResolvedMountsFromJson(const nlohmann::json& j,
                                                      const std::string& path);

// Mount points of another container, for VolumesFrom; NotFound when there
// is no such container.
using MountPointLookup =
    std::function<absl::StatusOr<std::vector<MountPoint>>(const std::string& container)>;

struct ResolveOptions {
  // Create missing -v host directories (docker does, at start). Off for
  // callers that only validate.
  bool create_bind_sources = true;
};

// On error nothing stays acquired and anonymous volumes made here are removed.
absl::StatusOr<ResolvedMounts> ResolveMounts(VolumeStore& store, const MountRequest& request,
                                             const MountPointLookup& volumes_from,
                                             const ResolveOptions& options = {});

// Re-takes the references a stored container holds (daemon start).
absl::Status ReacquireVolumes(VolumeStore& store, const std::string& container_id,
                              const ResolvedMounts& mounts);
// Drops them (container remove); `remove_anonymous` is docker rm -v.
absl::Status ReleaseVolumes(VolumeStore& store, const std::string& container_id,
                            const ResolvedMounts& mounts, bool remove_anonymous);

}  // namespace berth::engined::volumes

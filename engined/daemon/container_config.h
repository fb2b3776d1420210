// Where the container layer meets the spec and volumes libraries: the
// checked, image-merged configuration of a new container, its mounts, and
// the OCI spec it starts with.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/daemon/backends.h"
#include "engined/daemon/container.h"

namespace berth::engined {

namespace volumes {
class VolumeStore;
}  // namespace volumes
using volumes::VolumeStore;
class ContainerStore;

struct NewContainerConfig {
  nlohmann::json config;       // docker Config merged with the image's
  nlohmann::json host_config;  // docker HostConfig, checked
  std::vector<std::string> warnings;
};

// Splits docker's create body into Config / HostConfig, checks them and
// merges the image's defaults in (docker's rules).
absl::StatusOr<NewContainerConfig> PrepareContainerConfig(const nlohmann::json& body,
                                                          const ImageForContainer& image,
                                                          const std::string& id);

// Resolves binds, --mount, --tmpfs, VOLUMEs and --volumes-from into
// docker's MountPoint records (with their OCI mounts), creating and
// acquiring volumes for container `c`.
absl::StatusOr<nlohmann::json> ResolveContainerMounts(const Container& c, VolumeStore* volumes,
                                                      ContainerStore& store);
// Gives back what ResolveContainerMounts acquired; removes anonymous
// volumes when `remove_anonymous`.
void ReleaseContainerMounts(const Container& c, VolumeStore* volumes, bool remove_anonymous);

struct SpecContext {
  std::string rootfs;     // the container's rootfs, mounted
  std::string init_path;  // berth-init
  nlohmann::json default_ulimits;
  std::string network_namespace_path;  // NetworkMode container:<ref>
  std::string pid_namespace_path;      // PidMode container:<ref>
};
// docker inspect's "Mounts" for a container's stored mounts.
nlohmann::json ApiMounts(const Container& c);
// Copies image content into new volumes (rootfs mounted).
absl::Status PopulateContainerVolumes(const Container& c, const std::string& rootfs);
// Re-takes a stored container's volume references (daemon start).
void ReacquireContainerMounts(const Container& c, VolumeStore* volumes);

// The OCI spec for container `c`.
absl::StatusOr<nlohmann::json> BuildContainerSpec(const Container& c, const SpecContext& context);

// The OCI process of an exec: the container's process with the exec's
// Cmd, Env, User (resolved in `rootfs`), WorkingDir, Tty and Privileged.
absl::StatusOr<nlohmann::json> BuildExecProcess(const nlohmann::json& container_spec,
                                                const nlohmann::json& exec_config,
                                                const std::string& rootfs);

}  // namespace berth::engined

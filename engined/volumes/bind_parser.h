// docker's -v / HostConfig.Binds syntax ("/host:/ctr:ro,rshared",
// "name:/ctr:nocopy", "/ctr") and --volumes-from ("ctr:ro").
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "engined/volumes/mount_parser.h"

namespace berth::engined::volumes {

// Parses a bind as docker's linux parser; errors read
// "invalid volume specification: '<raw>'[: cause]" or "invalid mode: <mode>".
// `volume_driver` is HostConfig.VolumeDriver (may be empty).
absl::StatusOr<MountPoint> ParseBind(const std::string& raw, const std::string& volume_driver);

// Whether `mode` is a valid -v mode list: at most one each of ro|rw, z|Z,
// a propagation, nocopy, consistent|cached|delegated.
bool ValidMountMode(const std::string& mode);
// False when the mode list holds "ro".
bool ModeIsReadWrite(const std::string& mode);

struct VolumesFrom {
  std::string container;
  std::string mode;  // "rw" unless given
};
absl::StatusOr<VolumesFrom> ParseVolumesFrom(const std::string& spec);

}  // namespace berth::engined::volumes

// A container's mount as docker inspect shows it in "Mounts", plus what
// goes into the OCI config.json for it. The container record stores these
// (ToRecordJson / FromRecordJson) so a daemon restart keeps them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::volumes {

// An entry of config.json "mounts".
struct OciMount {
  std::string destination;
  std::string type;  // "bind" or "tmpfs"
  std::string source;
  std::vector<std::string> options;
};

struct MountPoint {
  std::string type;    // "bind", "volume" or "tmpfs"
  std::string name;    // the volume's name (type volume)
  std::string source;  // host path; empty for tmpfs
  std::string destination;
  std::string driver;  // "local" for volumes
  std::string mode;    // as written after the second ':' ("ro,z"), "z" for named volumes
  bool rw = true;
  std::string propagation;  // binds: "rprivate" unless asked otherwise
  // Internal, kept in the record only.
  bool copy_data = false;  // copy image content into the volume when it is new
  bool anonymous = false;  // a volume created for this container with no name
  std::string tmpfs_data;  // tmpfs: "size=65536k,mode=1777"
  OciMount oci;
};

// The "Mounts" entry of docker inspect: Type, Name, Source, Destination,
// Driver, Mode, RW, Propagation (Type, Name, Driver omitted when empty).
nlohmann::json MountPointToApiJson(const MountPoint& mp);

// The full record, internal fields included.
nlohmann::json MountPointToRecordJson(const MountPoint& mp);
absl::StatusOr<MountPoint> MountPointFromRecordJson(const nlohmann::json& j,
                                                    const std::string& path);

nlohmann::json OciMountToJson(const OciMount& m);
absl::StatusOr<OciMount> OciMountFromJson(const nlohmann::json& j, const std::string& path);

// Fills mp.oci from the other fields: "rbind" + ro/rw + propagation for
// binds and volumes; docker's tmpfs defaults for tmpfs.
void BuildOciMount(MountPoint& mp);

// docker's tmpfs option list: "noexec,nosuid,nodev,rprivate" then `data`,
// later options overriding earlier ones (rw over ro, size= over size=...).
std::vector<std::string> TmpfsOciOptions(const std::string& data);

}  // namespace berth::engined::volumes

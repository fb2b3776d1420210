// The local driver's options (docker's `--opt type= --opt device= --opt o=`):
// validation at create, and the mount(2) done when such a volume is first
// used and undone at its last release.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::engined::volumes {

// docker's rules: only type, device, o, size; type needs device, device
// needs type, o needs device. `name` names the volume in errors.
absl::Status ValidateLocalOptions(const std::string& name,
                                  const std::map<std::string, std::string>& options);

// Whether a volume with these options is a mount rather than a plain dir.
bool NeedsMount(const std::map<std::string, std::string>& options);

// "o" split as mount(8) does: flags (bind, ro, nosuid...) and the rest as data.
struct MountFlags {
  unsigned long flags = 0;
  std::string data;
};
MountFlags ParseMountOptions(const std::string& o);

// Mounts `device` of `type` on `target` with the "o" options.
absl::Status MountLocalVolume(const std::string& name,
                              const std::map<std::string, std::string>& options,
                              const std::string& target);
// Lazily detaches whatever is mounted on `target`; not mounted is fine.
absl::Status UnmountLocalVolume(const std::string& name, const std::string& target);

// Whether `path` is itself a mount point (per /proc/self/mountinfo).
absl::StatusOr<bool> IsMountPoint(const std::string& path);

}  // namespace berth::engined::volumes

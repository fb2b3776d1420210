// Copy-up: a new, empty volume mounted over a path the image has gets that
// path's content first (docker's CopyImagePathContent), unless nocopy.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "engined/volumes/resolve_mounts.h"

namespace berth::engined::volumes {

// Copies <rootfs>/<destination> into `volume_data_dir` when the volume dir
// is empty and the path is a directory in the image. `destination` is
// resolved inside the rootfs (a symlink to "/etc" means <rootfs>/etc, never
// the host's), and the walk never follows symlinks: they are copied as
// symlinks. Keeps owners, modes, timestamps and xattrs (where the target
// filesystem takes them); hardlinks become separate files. The volume dir
// takes the image dir's owner and mode.
absl::Status CopyImageContent(const std::string& rootfs, const std::string& destination,
                              const std::string& volume_data_dir);

// CopyImageContent for every volume mount point with copy_data set.
absl::Status PopulateVolumes(const ResolvedMounts& mounts, const std::string& rootfs);

}  // namespace berth::engined::volumes

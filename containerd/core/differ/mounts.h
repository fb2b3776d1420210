// What the differ makes of a snapshot's mounts: where a layer can go or be
// read from without mounting anything, and where it needs a temporary
// mount.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/snapshots/mount.h"
#include "containerd/core/snapshots/temp_mount.h"

namespace berth::containerd::differ {

// The value of option `name=` of `m`; empty when absent.
std::string MountOption(const snapshots::Mount& m, std::string_view name);
bool HasMountOption(const snapshots::Mount& m, std::string_view option);

// A single bind mount: its source is the tree itself.
bool IsSingleBind(const std::vector<snapshots::Mount>& mounts);
// A single overlay mount with an upper directory: an active snapshot of
// the overlayfs snapshotter.
bool IsSingleOverlayWithUpper(const std::vector<snapshots::Mount>& mounts);

// The tree `mounts` show, as a directory path: a single bind's source
// directly, anything else mounted (read-only when `read_only`) on a
// temporary directory under `mount_root`, held by `*temp`.
absl::StatusOr<std::string> TreeOf(const std::vector<snapshots::Mount>& mounts,
                                   const std::string& mount_root, bool read_only,
                                   std::unique_ptr<snapshots::TempMount>* temp);

}  // namespace berth::containerd::differ

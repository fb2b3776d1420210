// Apply: a layer blob from the content store onto a snapshot's mounts
// (containerd's diff.Applier, plugins/diff/apply).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/content/store.h"
#include "containerd/core/images/oci.h"
#include "containerd/core/snapshots/mount.h"

namespace berth::containerd::differ {

struct ApplyOptions {
  // Where mounts that are not a single bind nor a single overlay with an
  // upper directory are mounted while the layer is applied.
  std::string mount_root;
  // syncfs(2) the tree afterwards, so the layer is on disk before the
  // snapshot is committed.
  bool sync_fs = false;
  // Character and block devices in the layer (refused by default: the
  // runtime makes /dev, and a device node in a snapshot is a way to the
  // host's disks).
  bool allow_devices = false;
};

// Reads `layer` (tar, tar+gzip or tar+zstd by its media type; Unimplemented
// for any other) from `store` and applies it onto the tree `mounts` show,
// turning OCI whiteouts into overlayfs ones or deletions as the tree needs.
// The bytes read must match the descriptor's digest (and size, when not 0):
// DataLoss otherwise, after which the tree is half-written and the caller
// discards the snapshot, as after any error. Returns the uncompressed
// layer: media type application/vnd.oci.image.layer.v1.tar, its diff_id and
// size.
absl::StatusOr<images::Descriptor> Apply(const content::Store& store,
                                         const images::Descriptor& layer,
                                         const std::vector<snapshots::Mount>& mounts,
                                         const ApplyOptions& options);

}  // namespace berth::containerd::differ

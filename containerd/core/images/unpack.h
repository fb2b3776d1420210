// Unpacking an image's layers into snapshots keyed by chain ID (containerd
// core/unpack/unpacker.go and core/rootfs/apply.go):
//
//   for each layer i of the manifest chosen for the platform:
//     chain i exists as a committed snapshot?  skip it
//     Prepare "extract-<random> <chain i>" on chain i-1
//     apply the layer's blob onto it; its diff_id must equal the config's
//     Commit it as chain i
//
// Layers go where the snapshot's mounts say, as containerd's overlay
// applier does: into the bind source of a single bind mount, or the upper
// directory of a single overlay mount (with overlay whiteouts). Other
// mounts are mounted on a temporary directory and unmounted afterwards.
// Needs root (ownership, devices, trusted.* xattrs).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "containerd/core/content/store.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/images/oci.h"
#include "containerd/core/snapshots/snapshotter.h"

namespace berth::containerd::images {

// Set on each committed layer snapshot: its chain ID.
inline constexpr std::string_view kSnapshotRefLabel = "containerd.io/snapshot.ref";

struct UnpackOptions {
  // Which manifest of an index; nullopt: the host's platform.
  std::optional<Platform> platform;
  // Whiteout handling; nullopt: overlay whiteouts for the "overlayfs"
  // snapshotter when applying into an upper directory, delete otherwise.
  std::optional<diff::WhiteoutMode> whiteouts;
  // Character and block devices in layers.
  bool allow_devices = true;
  // Where a snapshot whose mounts are neither a single bind nor a single
  // overlay is mounted while a layer is applied (a temporary directory is
  // made under it). Empty: such snapshots are FailedPrecondition.
  std::string mount_root;
  // Called before layer `i`'s blob is read, to wait for a pull still
  // fetching it (an unpack that overlaps the fetch); an error ends the
  // unpack with it. Unset: every blob is already there.
  std::function<absl::Status(const content::Digest&)> await_layer;
};

struct UnpackResult {
  content::Digest chain_id;       // the top layer's chain ID: the snapshot to Prepare on
  content::Digest config_digest;  // the image's ID
  Descriptor manifest;            // the manifest that was unpacked
  int layers_applied = 0;
  int layers_skipped = 0;  // already unpacked
};

// Unpacks `target` (an index or manifest in `content_store`) into
// `snapshotter` in namespace `ns`. A layer whose diff_id differs from the
// config's is DataLoss and leaves no snapshot of it (the layers below stay
// committed). Returns the top chain ID. An image without layers is
// InvalidArgument.
absl::StatusOr<UnpackResult> Unpack(const content::Store& content_store,
                                    snapshots::Snapshotter& snapshotter, std::string_view ns,
                                    const Descriptor& target, const UnpackOptions& options = {});

}  // namespace berth::containerd::images

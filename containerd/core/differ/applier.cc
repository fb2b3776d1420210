#include "containerd/core/differ/applier.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "common/status.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/differ/layer_media.h"
#include "containerd/core/differ/mounts.h"
#include "containerd/core/snapshots/temp_mount.h"

namespace berth::containerd::differ {
namespace {

absl::Status CheckWritable(const std::vector<snapshots::Mount>& mounts) {
  if (mounts.empty()) return InvalidArgumentf("no mounts to apply the layer onto");
  for (const snapshots::Mount& m : mounts) {
    if (HasMountOption(m, "ro") || (m.type == "overlay" && MountOption(m, "upperdir").empty())) {
      return InvalidArgumentf("mount {:?} ({}) is read-only: a layer needs an active snapshot",
                              m.source, m.type);
    }
  }
  return absl::OkStatus();
}

absl::Status SyncFs(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", dir);
  UniqueFd d(fd);
  if (syncfs(d.get()) != 0) return ErrnoErrorf(errno, "syncfs {}", dir);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<images::Descriptor> Apply(const content::Store& store,
                                         const images::Descriptor& layer,
                                         const std::vector<snapshots::Mount>& mounts,
                                         const ApplyOptions& options) {
  BERTH_RETURN_IF_ERROR(LayerCompression(layer.media_type).status());
  if (layer.digest.empty()) return InvalidArgumentf("layer descriptor without a digest");
  BERTH_RETURN_IF_ERROR(CheckWritable(mounts));
  BERTH_ASSIGN_OR_RETURN(UniqueFd blob, store.OpenBlob(layer.digest));

  diff::ApplyOptions apply;
  apply.allow_devices = options.allow_devices;
  std::unique_ptr<snapshots::TempMount> temp;
  std::string root;
  if (IsSingleOverlayWithUpper(mounts)) {
    // Straight into the upper directory with overlayfs whiteouts, as
    // containerd's overlay applier does: no mount, no copy-up, and the
    // upper directory ends up exactly as unpacking the layer makes it
    // (opaque directories stay opaque markers, so a later Diff writes them
    // back as such). Safe because the layer's writes are confined to the
    // upper directory (openat2 RESOLVE_IN_ROOT) and an active snapshot
    // being filled is not mounted anywhere else; the one thing it cannot
    // do is hardlink to a file of a lower layer, which layers do not
    // contain (docker and containerd link only within a layer).
    root = MountOption(mounts[0], "upperdir");
    apply.whiteouts = diff::WhiteoutMode::kOverlay;
  } else {
    // A bind source is the whole tree; anything else is mounted. Either
    // way the tree holds every lower layer, so whiteouts delete.
    absl::StatusOr<std::string> tree = TreeOf(mounts, options.mount_root, false, &temp);
    if (!tree.ok()) return WithContext(tree.status(), "mount snapshot to apply a layer");
    root = *tree;
    apply.whiteouts = diff::WhiteoutMode::kDelete;
  }

  absl::StatusOr<diff::ApplyResult> result = diff::ApplyLayer(blob.get(), root, apply);
  if (!result.ok()) {
    return WithContext(result.status(), fmt::format("apply layer {}", layer.digest.str()));
  }
  const diff::ApplyResult& applied = *result;
  if (applied.digest != layer.digest.str() || (layer.size != 0 && applied.size != layer.size)) {
    return absl::DataLossError(
        fmt::format("layer {} ({} bytes): content read has digest {} ({} bytes)",
                    layer.digest.str(), layer.size, applied.digest, applied.size));
  }
  if (options.sync_fs) BERTH_RETURN_IF_ERROR(SyncFs(root));

  images::Descriptor out;
  out.media_type = std::string(kUncompressedLayer);
  BERTH_ASSIGN_OR_RETURN(out.digest, content::Digest::Parse(applied.diff_id));
  out.size = applied.uncompressed_size;
  return out;
}

}  // namespace berth::containerd::differ

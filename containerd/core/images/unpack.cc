#include "containerd/core/images/unpack.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "common/logger.h"
#include "common/status.h"
#include "containerd/core/snapshots/mount.h"
#include "containerd/core/snapshots/temp_mount.h"

namespace berth::containerd::images {
namespace {

std::string RandomHex() {
  unsigned char bytes[8] = {};
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    // Falls back on time and pid: uniqueness is all the key needs.
    return fmt::format("{:x}{:x}", static_cast<uint64_t>(metadata::ToUnixNanos(metadata::Now())),
                       getpid());
  }
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::string Option(const snapshots::Mount& m, std::string_view name) {
  std::string prefix = std::string(name) + "=";
  for (const std::string& o : m.options) {
    if (o.starts_with(prefix)) return o.substr(prefix.size());
  }
  return "";
}

bool HasOption(const snapshots::Mount& m, std::string_view option) {
  for (const std::string& o : m.options) {
    if (o == option) return true;
  }
  return false;
}

// Applies one layer blob onto the active snapshot with `mounts`.
absl::StatusOr<diff::ApplyResult> ApplyToSnapshot(const content::Store& store,
                                                  const Descriptor& layer,
                                                  const std::vector<snapshots::Mount>& mounts,
                                                  bool overlay_snapshotter,
                                                  const UnpackOptions& options) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, store.OpenBlob(layer.digest));
  diff::ApplyOptions apply;
  apply.allow_devices = options.allow_devices;
  std::unique_ptr<snapshots::TempMount> temp;
  std::string dir;
  bool into_upper = false;
  if (mounts.size() == 1 && mounts[0].type == "bind" && !HasOption(mounts[0], "ro")) {
    dir = mounts[0].source;
  } else if (mounts.size() == 1 && mounts[0].type == "overlay" &&
             !Option(mounts[0], "upperdir").empty()) {
    dir = Option(mounts[0], "upperdir");
    into_upper = true;
  } else {
    if (options.mount_root.empty()) {
      return FailedPreconditionf("snapshot mounts of type {:?} need a mount root to unpack into",
                                 mounts.empty() ? std::string() : mounts[0].type);
    }
    absl::StatusOr<std::unique_ptr<snapshots::TempMount>> mounted =
        snapshots::TempMount::Create(options.mount_root, mounts, "unpack");
    if (!mounted.ok()) return WithContext(mounted.status(), "mount snapshot for unpack");
    temp = std::move(mounted).value();
    dir = temp->path();
  }
  if (options.whiteouts) {
    apply.whiteouts = *options.whiteouts;
  } else {
    // Whiteout devices only mean something where overlayfs reads them: an
    // upper directory, or the bind source of a bottom overlayfs layer.
    apply.whiteouts = (into_upper || (overlay_snapshotter && !temp)) ? diff::WhiteoutMode::kOverlay
                                                                     : diff::WhiteoutMode::kDelete;
  }
  return diff::ApplyLayer(fd.get(), dir, apply);
}

}  // namespace

absl::StatusOr<UnpackResult> Unpack(const content::Store& content_store,
                                    snapshots::Snapshotter& snapshotter, std::string_view ns,
                                    const Descriptor& target, const UnpackOptions& options) {
  Platform platform = options.platform ? *options.platform : HostPlatform();
  BERTH_ASSIGN_OR_RETURN(ResolvedImage image, ResolveImage(content_store, target, platform));
  const std::vector<content::Digest>& diff_ids = image.config.diff_ids;
  if (diff_ids.empty()) {
    return InvalidArgumentf("image {}: no layers to unpack",
                            image.manifest_descriptor.digest.str());
  }
  std::vector<content::Digest> chain = ChainIds(diff_ids);
  const bool overlay = snapshotter.name() == "overlayfs";

  UnpackResult result;
  result.manifest = image.manifest_descriptor;
  result.config_digest = image.manifest.config.digest;
  for (size_t i = 0; i < chain.size(); ++i) {
    const std::string chain_id = chain[i].str();
    const std::string parent = i == 0 ? std::string() : chain[i - 1].str();
    absl::StatusOr<snapshots::Info> existing = snapshotter.Stat(ns, chain_id);
    if (existing.ok()) {
      if (existing->kind != snapshots::Kind::kCommitted) {
        return FailedPreconditionf("snapshot {} exists but is not committed", chain_id);
      }
      ++result.layers_skipped;
      continue;
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();

    const Descriptor& layer = image.manifest.layers[i];
    if (!IsLayerType(layer.media_type)) {
      return InvalidArgumentf("layer {} of {}: media type {:?} is not a layer", i,
                              image.manifest_descriptor.digest.str(), layer.media_type);
    }
    if (options.await_layer) BERTH_RETURN_IF_ERROR(options.await_layer(layer.digest));
    const std::string key = fmt::format("extract-{} {}", RandomHex(), chain_id);
    BERTH_ASSIGN_OR_RETURN(std::vector<snapshots::Mount> mounts,
                           snapshotter.Prepare(ns, key, parent, {}));
    bool committed = false;
    absl::Cleanup remove_active = [&] {
      if (committed) return;
      absl::Status s = snapshotter.Remove(ns, key);
      if (!s.ok()) log::Warnf("unpack: remove snapshot {:?}: {}", key, std::string(s.message()));
    };
    absl::StatusOr<diff::ApplyResult> applied =
        ApplyToSnapshot(content_store, layer, mounts, overlay, options);
    if (!applied.ok()) {
      return WithContext(applied.status(), fmt::format("apply layer {}", layer.digest.str()));
    }
    if (applied->digest != layer.digest.str() || applied->size != layer.size) {
      return absl::DataLossError(fmt::format("layer {}: read {} bytes with digest {}",
                                             layer.digest.str(), applied->size, applied->digest));
    }
    if (applied->diff_id != diff_ids[i].str()) {
      return absl::DataLossError(fmt::format("layer {}: diff_id {} does not match the config's {}",
                                             layer.digest.str(), applied->diff_id,
                                             diff_ids[i].str()));
    }
    absl::Status s =
        snapshotter.Commit(ns, chain_id, key, {{std::string(kSnapshotRefLabel), chain_id}});
    if (absl::IsAlreadyExists(s)) {
      // Another unpack of the same layer won the race: its snapshot serves.
      ++result.layers_skipped;
      continue;
    }
    BERTH_RETURN_IF_ERROR(WithContext(s, fmt::format("commit snapshot {}", chain_id)));
    committed = true;
    ++result.layers_applied;
  }
  result.chain_id = chain.back();
  return result;
}

}  // namespace berth::containerd::images

#include "containerd/core/images/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
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

// The applied blob is the layer the manifest names and its content the
// diff the config names.
absl::Status VerifyApplied(const Descriptor& layer, const content::Digest& diff_id,
                           const diff::ApplyResult& applied) {
  if (applied.digest != layer.digest.str() || applied.size != layer.size) {
    return absl::DataLossError(fmt::format("layer {}: read {} bytes with digest {}",
                                           layer.digest.str(), applied.size, applied.digest));
  }
  if (applied.diff_id != diff_id.str()) {
    return absl::DataLossError(fmt::format("layer {}: diff_id {} does not match the config's {}",
                                           layer.digest.str(), applied.diff_id, diff_id.str()));
  }
  return absl::OkStatus();
}

void RemoveSnapshot(snapshots::Snapshotter& snapshotter, std::string_view ns,
                    const std::string& key) {
  absl::Status s = snapshotter.Remove(ns, key);
  if (!s.ok()) log::Warnf("unpack: remove snapshot {:?}: {}", key, std::string(s.message()));
}

// What a layer's snapshot is applied into when it is its mounts' own
// directory (the bind source or the overlay upper dir); empty otherwise.
std::string OwnDirectory(const std::vector<snapshots::Mount>& mounts) {
  if (mounts.size() != 1) return "";
  if (mounts[0].type == "bind" && !HasOption(mounts[0], "ro")) return mounts[0].source;
  if (mounts[0].type == "overlay") return Option(mounts[0], "upperdir");
  return "";
}

// Overlay layers applied side by side. An overlayfs layer's directory does
// not depend on the layers below it, only its commit does: each layer is
// applied by a worker into a parentless scratch snapshot as soon as its
// blob is there, and the layers are committed in order by swapping the
// applied directory with the empty one of a snapshot prepared on its
// parent (renameat2 RENAME_EXCHANGE, so a snapshot never lacks its dir).
class StagedUnpack {
 public:
  StagedUnpack(const content::Store& store, snapshots::Snapshotter& snapshotter,
               std::string_view ns, const ResolvedImage& image,
               const std::vector<content::Digest>& chain, std::vector<size_t> todo,
               const UnpackOptions& options)
      : store_(store),
        snapshotter_(snapshotter),
        ns_(ns),
        image_(image),
        chain_(chain),
        todo_(std::move(todo)),
        options_(options),
        staged_(todo_.size()) {}

  ~StagedUnpack() {
    stop_ = true;
    for (std::thread& t : workers_) t.join();
    for (const Staged& s : staged_) {
      if (!s.scratch_key.empty()) RemoveSnapshot(snapshotter_, ns_, s.scratch_key);
    }
  }

  absl::Status Run(UnpackResult& result) {
    size_t n =
        std::min<size_t>(todo_.size(), std::clamp(std::thread::hardware_concurrency(), 2u, 4u));
    for (size_t w = 0; w < n; ++w) workers_.emplace_back([this] { Work(); });
    for (size_t k = 0; k < todo_.size(); ++k) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return staged_[k].done; });
      }
      if (!staged_[k].status.ok()) {
        stop_ = true;
        return staged_[k].status;
      }
      absl::StatusOr<bool> committed = Commit(k);
      if (!committed.ok()) {
        stop_ = true;
        return committed.status();
      }
      ++(*committed ? result.layers_applied : result.layers_skipped);
    }
    return absl::OkStatus();
  }

 private:
  struct Staged {
    std::string scratch_key;
    std::string dir;
    absl::Status status;
    bool done = false;
  };

  void Work() {
    for (size_t k; !stop_ && (k = next_++) < todo_.size();) {
      Staged staged;
      staged.status = Stage(todo_[k], staged);
      std::lock_guard lock(mu_);
      staged_[k] = std::move(staged);
      staged_[k].done = true;
      cv_.notify_all();
    }
    // Indices left unclaimed after a stop still need an answer.
    std::lock_guard lock(mu_);
    for (size_t k = next_; k < todo_.size(); ++k) {
      if (!staged_[k].done) {
        staged_[k].status = absl::CancelledError("unpack stopped");
        staged_[k].done = true;
      }
    }
    cv_.notify_all();
  }

  absl::Status Stage(size_t i, Staged& staged) {
    const Descriptor& layer = image_.manifest.layers[i];
    if (options_.await_layer) BERTH_RETURN_IF_ERROR(options_.await_layer(layer.digest));
    if (stop_) return absl::CancelledError("unpack stopped");
    staged.scratch_key = fmt::format("extract-{} scratch {}", RandomHex(), chain_[i].str());
    BERTH_ASSIGN_OR_RETURN(std::vector<snapshots::Mount> mounts,
                           snapshotter_.Prepare(ns_, staged.scratch_key, "", {}));
    staged.dir = OwnDirectory(mounts);
    if (staged.dir.empty()) {
      return FailedPreconditionf("unpack: scratch snapshot {:?} has no directory of its own",
                                 staged.scratch_key);
    }
    BERTH_ASSIGN_OR_RETURN(UniqueFd fd, store_.OpenBlob(layer.digest));
    diff::ApplyOptions apply;
    apply.allow_devices = options_.allow_devices;
    apply.whiteouts = options_.whiteouts ? *options_.whiteouts : diff::WhiteoutMode::kOverlay;
    absl::StatusOr<diff::ApplyResult> applied = diff::ApplyLayer(fd.get(), staged.dir, apply);
    if (!applied.ok()) {
      return WithContext(applied.status(), fmt::format("apply layer {}", layer.digest.str()));
    }
    return VerifyApplied(layer, image_.config.diff_ids[i], *applied);
  }

  // Commits staged layer k on its parent; false when another unpack
  // committed that chain ID first.
  absl::StatusOr<bool> Commit(size_t k) {
    size_t i = todo_[k];
    const std::string chain_id = chain_[i].str();
    const std::string parent = i == 0 ? std::string() : chain_[i - 1].str();
    const std::string key = fmt::format("extract-{} {}", RandomHex(), chain_id);
    BERTH_ASSIGN_OR_RETURN(std::vector<snapshots::Mount> mounts,
                           snapshotter_.Prepare(ns_, key, parent, {}));
    absl::Cleanup remove_active = [&] { RemoveSnapshot(snapshotter_, ns_, key); };
    std::string dir = OwnDirectory(mounts);
    if (dir.empty()) return FailedPreconditionf("unpack: snapshot {:?} has no directory", key);
    if (::renameat2(AT_FDCWD, staged_[k].dir.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) < 0) {
      return ErrnoErrorf(errno, "swap {} with {}", staged_[k].dir, dir);
    }
    absl::Status s =
        snapshotter_.Commit(ns_, chain_id, key, {{std::string(kSnapshotRefLabel), chain_id}});
    if (absl::IsAlreadyExists(s)) return false;
    BERTH_RETURN_IF_ERROR(WithContext(s, fmt::format("commit snapshot {}", chain_id)));
    std::move(remove_active).Cancel();
    return true;
  }

  const content::Store& store_;
  snapshots::Snapshotter& snapshotter_;
  const std::string_view ns_;
  const ResolvedImage& image_;
  const std::vector<content::Digest>& chain_;
  const std::vector<size_t> todo_;  // manifest indices of the layers to apply
  const UnpackOptions& options_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Staged> staged_;
  std::vector<std::thread> workers_;
};

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
  std::vector<size_t> todo;  // layers not unpacked yet
  for (size_t i = 0; i < chain.size(); ++i) {
    absl::StatusOr<snapshots::Info> existing = snapshotter.Stat(ns, chain[i].str());
    if (existing.ok()) {
      if (existing->kind != snapshots::Kind::kCommitted) {
        return FailedPreconditionf("snapshot {} exists but is not committed", chain[i].str());
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
    todo.push_back(i);
  }
  if (overlay && todo.size() > 1) {
    StagedUnpack staged(content_store, snapshotter, ns, image, chain, std::move(todo), options);
    BERTH_RETURN_IF_ERROR(staged.Run(result));
    result.chain_id = chain.back();
    return result;
  }

  for (size_t i : todo) {
    const std::string chain_id = chain[i].str();
    const std::string parent = i == 0 ? std::string() : chain[i - 1].str();
    const Descriptor& layer = image.manifest.layers[i];
    if (options.await_layer) BERTH_RETURN_IF_ERROR(options.await_layer(layer.digest));
    const std::string key = fmt::format("extract-{} {}", RandomHex(), chain_id);
    BERTH_ASSIGN_OR_RETURN(std::vector<snapshots::Mount> mounts,
                           snapshotter.Prepare(ns, key, parent, {}));
    bool committed = false;
    absl::Cleanup remove_active = [&] {
      if (!committed) RemoveSnapshot(snapshotter, ns, key);
    };
    absl::StatusOr<diff::ApplyResult> applied =
        ApplyToSnapshot(content_store, layer, mounts, overlay, options);
    if (!applied.ok()) {
      return WithContext(applied.status(), fmt::format("apply layer {}", layer.digest.str()));
    }
    BERTH_RETURN_IF_ERROR(VerifyApplied(layer, diff_ids[i], *applied));
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

// The overlayfs snapshotter (containerd plugins/snapshots/overlay/overlay.go):
// ROOT/snapshots/<id>/fs is a snapshot's own layer (0755) and
// ROOT/snapshots/<id>/work overlayfs's work dir (0700, active only).
//
//   active, no parent    bind  <fs>  rw,rbind
//   active on a chain    overlay  lowerdir=<parent fs>:<grandparent fs>:...,
//                                 upperdir=<fs>,workdir=<work>
//   view of one layer    bind  <parent fs>  ro,rbind
//   view of a chain      overlay  lowerdir=... (no upper: read-only)
//   committed            as a view whose chain starts with its own fs
//
// "index=off" is added when the overlay module has the index feature (as
// containerd does), so a layer can serve under several upper dirs.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/dir_snapshotter.h"

namespace berth::containerd::snapshots {

inline constexpr std::string_view kOverlaySnapshotter = "overlayfs";

class OverlaySnapshotter : public DirSnapshotter {
 public:
  // Opens the snapshotter rooted at `root` (created 0700 if needed) over
  // `store`, which must outlive it: registers its namespace usage check
  // (before the store is shared between threads) and runs Cleanup.
  static absl::StatusOr<std::unique_ptr<OverlaySnapshotter>> Open(const std::string& root,
                                                                  metadata::Store* store);

 protected:
  absl::Status Populate(const std::string& dir, Kind kind,
                        const std::vector<std::string>& parents) override;
  std::vector<Mount> MountsFor(const std::string& dir, Kind kind,
                               const std::vector<std::string>& parents) const override;

 private:
  OverlaySnapshotter(std::string root, metadata::Store* store, bool index_off);

  const bool index_off_;
};

// Whether an overlay mount works with upper and work dirs on the filesystem
// of `dir`: mounts one in a temporary directory under `dir`, unmounts it and
// removes the directory. False also for a caller without CAP_SYS_ADMIN.
bool OverlaySupported(const std::string& dir);

}  // namespace berth::containerd::snapshots

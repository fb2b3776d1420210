// The native snapshotter (containerd plugins/snapshots/native), for where
// overlayfs is unavailable: every snapshot's ROOT/snapshots/<id>/fs is a full
// copy of its parent (CopyTree), mounted as a bind (rw for active, ro for a
// view or a committed snapshot). Slow and large, but it needs nothing from
// the kernel beyond bind mounts.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/dir_snapshotter.h"

namespace berth::containerd::snapshots {

inline constexpr std::string_view kNativeSnapshotter = "native";

class NativeSnapshotter : public DirSnapshotter {
 public:
  // As OverlaySnapshotter::Open.
  static absl::StatusOr<std::unique_ptr<NativeSnapshotter>> Open(const std::string& root,
                                                                 metadata::Store* store);

 protected:
  absl::Status Populate(const std::string& dir, Kind kind,
                        const std::vector<std::string>& parents) override;
  std::vector<Mount> MountsFor(const std::string& dir, Kind kind,
                               const std::vector<std::string>& parents) const override;

 private:
  NativeSnapshotter(std::string root, metadata::Store* store);
};

}  // namespace berth::containerd::snapshots

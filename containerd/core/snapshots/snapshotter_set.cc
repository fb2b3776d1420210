#include "containerd/core/snapshots/snapshotter_set.h"

#include "common/status.h"

namespace berth::containerd::snapshots {

void SnapshotterSet::Add(std::unique_ptr<Snapshotter> snapshotter, bool is_default) {
  std::string name(snapshotter->name());
  if (is_default) default_ = name;
  by_name_[name] = std::move(snapshotter);
}

absl::StatusOr<Snapshotter*> SnapshotterSet::Get(const std::string& name) const {
  const std::string& wanted = name.empty() ? default_ : name;
  auto it = by_name_.find(wanted);
  if (it == by_name_.end()) return NotFoundf("snapshotter {:?}: not found", wanted);
  return it->second.get();
}

}  // namespace berth::containerd::snapshots

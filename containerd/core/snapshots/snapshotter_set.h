// The daemon's snapshotters by name ("overlayfs", "native"), one of them
// the default that an empty name means.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "containerd/core/snapshots/snapshotter.h"

namespace berth::containerd::snapshots {

class SnapshotterSet {
 public:
  void Add(std::unique_ptr<Snapshotter> snapshotter, bool is_default);
  // NotFound naming the snapshotter when there is none by that name.
  absl::StatusOr<Snapshotter*> Get(const std::string& name) const;
  const std::string& default_name() const { return default_; }

 private:
  std::map<std::string, std::unique_ptr<Snapshotter>, std::less<>> by_name_;
  std::string default_;
};

}  // namespace berth::containerd::snapshots

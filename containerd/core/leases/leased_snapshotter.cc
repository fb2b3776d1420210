#include "containerd/core/leases/leased_snapshotter.h"

#include "common/status.h"

namespace berth::containerd::leases {

absl::Status LeasedSnapshotter::Hold(std::string_view ns, std::string_view key) {
  if (ns != tracker_.ns()) {
    return FailedPreconditionf("snapshot {:?} in namespace {:?}: the lease is in {:?}", key, ns,
                               tracker_.ns());
  }
  return tracker_.HoldSnapshot(inner_.name(), key);
}

absl::StatusOr<std::vector<snapshots::Mount>> LeasedSnapshotter::Prepare(
    std::string_view ns, std::string_view key, std::string_view parent,
    const snapshots::Labels& labels) {
  BERTH_RETURN_IF_ERROR(Hold(ns, key));
  return inner_.Prepare(ns, key, parent, labels);
}

absl::StatusOr<std::vector<snapshots::Mount>> LeasedSnapshotter::View(
    std::string_view ns, std::string_view key, std::string_view parent,
    const snapshots::Labels& labels) {
  BERTH_RETURN_IF_ERROR(Hold(ns, key));
  return inner_.View(ns, key, parent, labels);
}

absl::Status LeasedSnapshotter::Commit(std::string_view ns, std::string_view name,
                                       std::string_view key, const snapshots::Labels& labels) {
  BERTH_RETURN_IF_ERROR(Hold(ns, name));
  return inner_.Commit(ns, name, key, labels);
}

absl::StatusOr<snapshots::Info> LeasedSnapshotter::Stat(std::string_view ns, std::string_view key) {
  BERTH_RETURN_IF_ERROR(Hold(ns, key));
  return inner_.Stat(ns, key);
}

}  // namespace berth::containerd::leases

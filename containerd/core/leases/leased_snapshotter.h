// A snapshotter that holds, under a lease, every snapshot a request or
// operation creates or relies on before passing the call on (containerd's
// metadata snapshotter adds Prepare, View and Commit to the context's
// lease). Stat holds too: an unpack that finds a layer already committed
// builds on it, so it must not be collected before the image is recorded.
#pragma once

#include "containerd/core/leases/lease_tracker.h"
#include "containerd/core/snapshots/snapshotter.h"

namespace berth::containerd::leases {

class LeasedSnapshotter final : public snapshots::Snapshotter {
 public:
  // Both must outlive this.
  LeasedSnapshotter(snapshots::Snapshotter& inner, LeaseTracker& tracker)
      : inner_(inner), tracker_(tracker) {}

  std::string_view name() const override { return inner_.name(); }
  absl::StatusOr<std::vector<snapshots::Mount>> Prepare(std::string_view ns, std::string_view key,
                                                        std::string_view parent,
                                                        const snapshots::Labels& labels) override;
  absl::StatusOr<std::vector<snapshots::Mount>> View(std::string_view ns, std::string_view key,
                                                     std::string_view parent,
                                                     const snapshots::Labels& labels) override;
  absl::StatusOr<std::vector<snapshots::Mount>> Mounts(std::string_view ns,
                                                       std::string_view key) override {
    return inner_.Mounts(ns, key);
  }
  absl::Status Commit(std::string_view ns, std::string_view name, std::string_view key,
                      const snapshots::Labels& labels) override;
  absl::Status Remove(std::string_view ns, std::string_view key) override {
    return inner_.Remove(ns, key);
  }
  absl::StatusOr<snapshots::Info> Stat(std::string_view ns, std::string_view key) override;
  absl::StatusOr<snapshots::Usage> Usage(std::string_view ns, std::string_view key) override {
    return inner_.Usage(ns, key);
  }
  absl::StatusOr<std::vector<snapshots::Info>> List(
      std::string_view ns, const std::vector<std::string>& filters) override {
    return inner_.List(ns, filters);
  }
  absl::StatusOr<snapshots::Info> Update(std::string_view ns, const snapshots::Info& info,
                                         const std::vector<std::string>& paths) override {
    return inner_.Update(ns, info, paths);
  }

 private:
  // The tracker's namespace is the lease's: calls in another are refused.
  absl::Status Hold(std::string_view ns, std::string_view key);

  snapshots::Snapshotter& inner_;
  LeaseTracker& tracker_;
};

}  // namespace berth::containerd::leases

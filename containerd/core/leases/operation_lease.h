// A lease for the length of one daemon operation (a pull, an import, an
// unpack), as containerd's client wraps them in WithLease: created at the
// start, deleted when the object goes, so a collection in between cannot
// take half of what the operation wrote. It expires on its own after a day,
// in case the daemon dies before deleting it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "containerd/core/leases/lease_tracker.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::leases {

// Set on the lease: what it is for ("pull docker.io/library/busybox:latest").
inline constexpr std::string_view kOperationLabel = "berth.operation";
inline constexpr std::chrono::hours kOperationLeaseExpiry{24};

class OperationLease {
 public:
  static absl::StatusOr<std::unique_ptr<OperationLease>> Create(metadata::Store* store,
                                                                std::string ns,
                                                                std::string_view what);
  // Deletes the lease (a failure is logged). Nothing is collected here: the
  // next collection takes whatever the operation left that nothing else
  // references.
  ~OperationLease();

  LeaseTracker& tracker() { return *tracker_; }

 private:
  OperationLease() = default;

  metadata::Store* store_ = nullptr;
  std::unique_ptr<LeaseTracker> tracker_;
};

}  // namespace berth::containerd::leases

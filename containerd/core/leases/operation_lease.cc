#include "containerd/core/leases/operation_lease.h"

#include "common/logger.h"
#include "common/status.h"
#include "containerd/core/metadata/leases.h"

namespace berth::containerd::leases {

absl::StatusOr<std::unique_ptr<OperationLease>> OperationLease::Create(metadata::Store* store,
                                                                       std::string ns,
                                                                       std::string_view what) {
  metadata::Lease lease;
  lease.labels[std::string(kOperationLabel)] = std::string(what);
  lease.expires_at = metadata::Now() + kOperationLeaseExpiry;
  BERTH_ASSIGN_OR_RETURN(metadata::Lease created,
                         store->UpdateValue([&](metadata::Transaction& tx) {
                           return metadata::LeaseStore(tx, ns).Create(lease);
                         }));
  std::unique_ptr<OperationLease> op(new OperationLease());
  op->store_ = store;
  op->tracker_ = std::make_unique<LeaseTracker>(store, std::move(ns), created.id);
  return op;
}

OperationLease::~OperationLease() {
  if (tracker_ == nullptr) return;
  absl::Status s = store_->Update([&](metadata::Transaction& tx) {
    return metadata::LeaseStore(tx, tracker_->ns()).Delete(tracker_->lease());
  });
  if (!s.ok()) log::Warnf("delete lease {:?}: {}", tracker_->lease(), s);
}

}  // namespace berth::containerd::leases

// Holds what one request or operation touches under one lease, so the
// garbage collector keeps it until the lease goes (containerd adds a
// resource to the lease named in the call's context as the metadata layer
// creates it). Each resource is added to the lease once, in a transaction
// of its own, before the resource is created or relied on.
//
//   LeaseTracker held(store, "default", "pull-1234");
//   auto view = content.WithHooks(held.ContentHooks());
//   ... write through *view ...
//   BERTH_RETURN_IF_ERROR(held.ReferenceHeldBlobs(content));  // the namespace's refs
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "containerd/core/content/store.h"
#include "containerd/core/metadata/leases.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::leases {

class LeaseTracker {
 public:
  // `lease` empty: nothing is added to any lease (a call without one), but
  // held blobs are still remembered for ReferenceHeldBlobs.
  LeaseTracker(metadata::Store* store, std::string ns, std::string lease)
      : store_(store), ns_(std::move(ns)), lease_(std::move(lease)) {}
  LeaseTracker(const LeaseTracker&) = delete;
  LeaseTracker& operator=(const LeaseTracker&) = delete;

  const std::string& ns() const { return ns_; }
  const std::string& lease() const { return lease_; }

  // NotFound when the lease does not exist. Safe from any thread.
  absl::Status HoldBlob(const content::Digest& digest);
  absl::Status HoldIngest(const std::string& ref);
  absl::Status HoldSnapshot(std::string_view snapshotter, std::string_view key);
  absl::Status HoldImage(std::string_view name);

  // Hooks that hold every blob and ingest a content store view touches.
  // They call into this tracker, which must outlive the view.
  content::Hooks ContentHooks();

  // References every held blob that exists from the namespace, in one
  // transaction (as a commit through containerd's metadata content store
  // does): after an operation, the namespace "has" what it fetched or
  // found. Blobs that were only looked for are skipped. `content` must be
  // a store without this tracker's hooks (they would nest transactions).
  absl::Status ReferenceHeldBlobs(const content::Store& content);

 private:
  absl::Status Hold(const metadata::LeaseResource& resource);

  metadata::Store* const store_;
  const std::string ns_;
  const std::string lease_;
  std::mutex mu_;
  std::set<metadata::LeaseResource> held_;  // guarded by mu_
  std::set<std::string> blobs_;             // guarded by mu_
};

}  // namespace berth::containerd::leases

#include "containerd/core/leases/lease_tracker.h"

#include <vector>

#include "common/status.h"
#include "containerd/core/metadata/content_refs.h"

namespace berth::containerd::leases {

using metadata::LeaseResource;

absl::Status LeaseTracker::Hold(const LeaseResource& resource) {
  if (lease_.empty()) return absl::OkStatus();
  {
    std::lock_guard lock(mu_);
    if (held_.contains(resource)) return absl::OkStatus();
  }
  // Outside the lock: the transaction may wait for a collection.
  absl::Status added = store_->Update([&](metadata::Transaction& tx) {
    return metadata::LeaseStore(tx, ns_).AddResource(lease_, resource);
  });
  BERTH_RETURN_IF_ERROR(WithContext(added, "lease " + lease_));
  std::lock_guard lock(mu_);
  held_.insert(resource);
  return absl::OkStatus();
}

absl::Status LeaseTracker::HoldBlob(const content::Digest& digest) {
  {
    std::lock_guard lock(mu_);
    blobs_.insert(digest.str());
  }
  return Hold(LeaseResource::Content(digest.str()));
}

absl::Status LeaseTracker::HoldIngest(const std::string& ref) {
  return Hold(LeaseResource::Ingest(ref));
}

absl::Status LeaseTracker::HoldSnapshot(std::string_view snapshotter, std::string_view key) {
  return Hold(LeaseResource::Snapshot(std::string(snapshotter), std::string(key)));
}

absl::Status LeaseTracker::HoldImage(std::string_view name) {
  return Hold(LeaseResource::Image(std::string(name)));
}

content::Hooks LeaseTracker::ContentHooks() {
  content::Hooks hooks;
  hooks.hold_blob = [this](const content::Digest& d) { return HoldBlob(d); };
  hooks.hold_ingest = [this](const std::string& ref) { return HoldIngest(ref); };
  return hooks;
}

absl::Status LeaseTracker::ReferenceHeldBlobs(const content::Store& content) {
  std::vector<std::string> blobs;
  {
    std::lock_guard lock(mu_);
    blobs.assign(blobs_.begin(), blobs_.end());
  }
  if (blobs.empty()) return absl::OkStatus();
  // Existence is checked inside the write transaction: a collection removes
  // blobs inside its own, so what is seen here stays until the commit.
  return store_->Update([&](metadata::Transaction& tx) -> absl::Status {
    metadata::ContentRefs refs(tx, ns_);
    for (const std::string& text : blobs) {
      BERTH_ASSIGN_OR_RETURN(content::Digest digest, content::Digest::Parse(text));
      absl::StatusOr<content::BlobInfo> info = content.Info(digest);
      if (absl::IsNotFound(info.status())) continue;
      BERTH_RETURN_IF_ERROR(info.status());
      BERTH_RETURN_IF_ERROR(refs.Add(text).status());
    }
    return absl::OkStatus();
  });
}

}  // namespace berth::containerd::leases

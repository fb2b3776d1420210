// Leases (containerd core/leases and core/metadata/leases.go): a namespaced
// record that keeps the resources it names — blobs, snapshots, ingests,
// images — from garbage collection while work on them is in flight (a pull
// between writing a blob and creating the image that references it, an
// unpack between Prepare and Commit). Deleting the lease, or its expiry,
// lets the collector have them.
//
//   store->Update([&](Transaction& tx) -> absl::Status {
//     LeaseStore leases(tx, "default");
//     BERTH_ASSIGN_OR_RETURN(Lease lease, leases.Create({}));   // id generated
//     return leases.AddResource(lease.id, LeaseResource::Snapshot("overlayfs", key));
//   });
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/metadata/filters.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::metadata {

// containerd's expiry label: an RFC 3339 time after which the lease no
// longer protects anything. Create reads it when no expiry is given.
inline constexpr std::string_view kLeaseExpireLabel = "containerd.io/gc.expire";

struct Lease {
  std::string id;
  Labels labels;
  Timestamp created_at;                 // set by the store
  std::optional<Timestamp> expires_at;  // nullopt: never

  bool Expired(Timestamp now) const { return expires_at && *expires_at <= now; }
  bool operator==(const Lease&) const = default;
};

struct LeaseResource {
  enum class Kind { kContent, kSnapshot, kIngest, kImage };

  Kind kind = Kind::kContent;
  std::string snapshotter;  // kSnapshot only
  // A digest ("sha256:..."), a snapshot key, an ingest ref, an image name.
  std::string name;

  static LeaseResource Content(std::string digest) {
    return {Kind::kContent, "", std::move(digest)};
  }
  static LeaseResource Snapshot(std::string snapshotter, std::string key) {
    return {Kind::kSnapshot, std::move(snapshotter), std::move(key)};
  }
  static LeaseResource Ingest(std::string ref) { return {Kind::kIngest, "", std::move(ref)}; }
  static LeaseResource Image(std::string name) { return {Kind::kImage, "", std::move(name)}; }

  // containerd's resource type: "content", "snapshots/<snapshotter>",
  // "ingests", "images".
  std::string Type() const;
  // The inverse of Type(), with `name` as the id; InvalidArgument for an
  // unknown type.
  static absl::StatusOr<LeaseResource> FromType(std::string_view type, std::string name);

  bool operator==(const LeaseResource&) const = default;
  auto operator<=>(const LeaseResource&) const = default;
};

// Fields for filters, as containerd's adaptLease: id, labels.<key>.
class LeaseAdaptor : public FilterAdaptor {
 public:
  explicit LeaseAdaptor(const Lease& lease) : lease_(lease) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override;

 private:
  const Lease& lease_;
};

// The leases of one namespace within one transaction.
class LeaseStore {
 public:
  LeaseStore(Transaction& tx, std::string ns) : tx_(tx), ns_(std::move(ns)) {}

  // Creates lease.id (empty: a random id) with its labels and expiry (when
  // none is given, from a kLeaseExpireLabel label). Creates the namespace if
  // needed. AlreadyExists if the id is taken; InvalidArgument for a bad id,
  // oversized labels, an unparsable expire label. Returns the lease as stored.
  absl::StatusOr<Lease> Create(const Lease& lease);
  // NotFound if absent.
  absl::StatusOr<Lease> Get(std::string_view id);
  // By id, filtered (filters ORed; none matches all).
  absl::StatusOr<std::vector<Lease>> List(const std::vector<std::string>& filters = {});
  // Deletes the lease and its resource list (not the resources). NotFound if
  // absent.
  absl::Status Delete(std::string_view id);

  // Adds `resource` to lease `id`; adding it twice is not an error. NotFound
  // if the lease is absent; InvalidArgument for an empty name, a snapshot
  // without snapshotter, a content name that is not a sha256 digest.
  absl::Status AddResource(std::string_view id, const LeaseResource& resource);
  // Removes `resource` from lease `id` if it is there. NotFound if the lease
  // is absent.
  absl::Status DeleteResource(std::string_view id, const LeaseResource& resource);
  // Ordered by kind, snapshotter, name. NotFound if the lease is absent.
  absl::StatusOr<std::vector<LeaseResource>> ListResources(std::string_view id);

  // A namespace usage check reporting "leases" while `ns` holds any.
  static NamespaceUsageCheck UsageCheck();

 private:
  absl::Status ValidateNamespace() const;
  absl::StatusOr<std::optional<Lease>> Read(std::string_view id);
  absl::Status RequireLease(std::string_view id);

  Transaction& tx_;
  const std::string ns_;
};

// "sha256:" and 64 lowercase hex digits: the content digests the metadata
// store accepts (content::Digest::Parse's rule, without linking it).
absl::Status ValidateDigestText(std::string_view digest, std::string_view what);

}  // namespace berth::containerd::metadata

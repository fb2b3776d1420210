// Snapshot records in the daemon's metadata store (containerd
// core/metadata/snapshot.go and core/snapshots/storage): one row per
// snapshot, keyed by (snapshotter, namespace, key), with the integer id that
// names its directory. Transport-free and filesystem-free: the snapshotters
// pair these records with directories.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/metadata/filters.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::snapshots {

using metadata::Labels;
using metadata::Timestamp;

enum class Kind { kView, kActive, kCommitted };

// "view", "active", "committed": the stored form and the filter value.
std::string_view KindName(Kind kind);

struct Info {
  std::string name;    // the key, or the name it was committed as
  std::string parent;  // empty: none
  Kind kind = Kind::kActive;
  Labels labels;
  Timestamp created;
  Timestamp updated;

  bool operator==(const Info&) const = default;
};

struct Record {
  int64_t id = 0;
  Info info;
  // The ids of the ancestors, closest first.
  std::vector<int64_t> parent_ids;
};

// Fields for filters, as containerd's adaptSnapshot: name, parent, kind,
// labels.<key>. An empty name or parent is absent.
class InfoAdaptor : public metadata::FilterAdaptor {
 public:
  explicit InfoAdaptor(const Info& info) : info_(info) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override;

 private:
  const Info& info_;
};

// The snapshots of one snapshotter in one namespace, within one transaction.
class SnapshotRecords {
 public:
  SnapshotRecords(metadata::Transaction& tx, std::string snapshotter, std::string ns);

  // NotFound if absent. Fills parent_ids.
  absl::StatusOr<Record> Get(std::string_view key);
  // Creates an active or view snapshot on `parent` (empty: none), which must
  // be committed. Creates the namespace if needed. AlreadyExists if the key
  // is taken; NotFound for a missing parent; FailedPrecondition for a parent
  // that is not committed; InvalidArgument for an empty key, a committed
  // kind, oversized labels.
  absl::StatusOr<Record> Create(Kind kind, std::string_view key, std::string_view parent,
                                const Labels& labels);
  // Turns active snapshot `key` into committed snapshot `name`, keeping its
  // id, parent and directory; its labels become `labels` (containerd's
  // Commit options). NotFound if `key` is absent, FailedPrecondition if it is
  // not active, AlreadyExists if `name` is taken.
  absl::StatusOr<Record> Commit(std::string_view name, std::string_view key, const Labels& labels);
  // Deletes `key` and returns its id. NotFound if absent; FailedPrecondition
  // while other snapshots name it as their parent.
  absl::StatusOr<int64_t> Remove(std::string_view key);
  // By name, filtered (filters ORed; none matches all).
  absl::StatusOr<std::vector<Info>> List(const std::vector<std::string>& filters = {});
  // Updates the labels of info.name: `paths` empty or "labels" replaces them
  // all, "labels.<key>" sets or (absent or "") removes one. Anything else is
  // InvalidArgument. updated moves forward.
  absl::StatusOr<Info> Update(const Info& info, const std::vector<std::string>& paths);

  // The ids of every snapshot of `snapshotter`, in any namespace (for
  // cleaning up directories without a record).
  static absl::StatusOr<std::vector<int64_t>> AllIds(metadata::Transaction& tx,
                                                     std::string_view snapshotter);
  // A namespace usage check reporting `snapshots on "<snapshotter>"
  // snapshotter` while `ns` holds any of its snapshots.
  static metadata::NamespaceUsageCheck UsageCheck(std::string snapshotter);

 private:
  absl::Status ValidateNamespace() const;
  absl::StatusOr<std::optional<Record>> Read(std::string_view key);
  absl::Status WriteLabels(int64_t id, const Labels& labels);

  metadata::Transaction& tx_;
  const std::string snapshotter_;
  const std::string ns_;
};

}  // namespace berth::containerd::snapshots

#include "containerd/core/snapshots/records.h"

#include <algorithm>
#include <map>
#include <span>
#include <utility>

#include "common/id.h"
#include "common/status.h"
#include "containerd/core/metadata/label_rows.h"
#include "containerd/core/metadata/namespaces.h"

namespace berth::containerd::snapshots {
namespace {

using metadata::sqlite::Statement;

constexpr std::string_view kColumns = "id, key, kind, parent, created_at, updated_at";

absl::StatusOr<Kind> ParseKind(std::string_view name) {
  if (name == "view") return Kind::kView;
  if (name == "active") return Kind::kActive;
  if (name == "committed") return Kind::kCommitted;
  return Internalf("snapshot kind {:?} in the metadata store is unknown", name);
}

// Reads a row selected with kColumns.
absl::StatusOr<Record> ReadRow(const Statement& stmt) {
  Record r;
  r.id = stmt.Int(0);
  r.info.name = stmt.Text(1);
  BERTH_ASSIGN_OR_RETURN(r.info.kind, ParseKind(stmt.Text(2)));
  if (!stmt.IsNull(3)) r.info.parent = stmt.Text(3);
  r.info.created = metadata::FromUnixNanos(stmt.Int(4));
  r.info.updated = metadata::FromUnixNanos(stmt.Int(5));
  return r;
}

absl::Status ValidateKey(std::string_view key, std::string_view what) {
  if (key.empty()) return InvalidArgumentf("snapshot {} must not be empty", what);
  return absl::OkStatus();
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kView:
      return "view";
    case Kind::kActive:
      return "active";
    case Kind::kCommitted:
      return "committed";
  }
  return "unknown";
}

std::optional<std::string> InfoAdaptor::Field(const std::vector<std::string>& path) const {
  if (path.empty()) return std::nullopt;
  const std::string& field = path[0];
  if (field == "name") {
    if (info_.name.empty()) return std::nullopt;
    return info_.name;
  }
  if (field == "parent") {
    if (info_.parent.empty()) return std::nullopt;
    return info_.parent;
  }
  if (field == "kind") return std::string(KindName(info_.kind));
  if (field == "labels") return metadata::MapField(std::span(path).subspan(1), info_.labels);
  return std::nullopt;
}

SnapshotRecords::SnapshotRecords(metadata::Transaction& tx, std::string snapshotter, std::string ns)
    : tx_(tx), snapshotter_(std::move(snapshotter)), ns_(std::move(ns)) {}

absl::Status SnapshotRecords::ValidateNamespace() const {
  return WithContext(ValidateContainerdId(ns_), "namespace");
}

absl::StatusOr<std::optional<Record>> SnapshotRecords::Read(std::string_view key) {
  BERTH_ASSIGN_OR_RETURN(
      Statement stmt,
      tx_.db().Prepare(fmt::format(
          "SELECT {} FROM snapshots WHERE snapshotter = ? AND namespace = ? AND key = ?",
          kColumns)));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(snapshotter_, ns_, key));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Record>();
  BERTH_ASSIGN_OR_RETURN(Record r, ReadRow(stmt));

  BERTH_ASSIGN_OR_RETURN(
      r.info.labels,
      metadata::ReadLabelRows(
          tx_.db(), "SELECT key, value FROM snapshot_labels WHERE snapshot_id = ?", r.id));

  // The chain of parents, closest first. The foreign key keeps it whole; the
  // bound guards against a cycle in a database edited by hand.
  BERTH_ASSIGN_OR_RETURN(Statement parent,
                         tx_.db().Prepare("SELECT id, parent FROM snapshots "
                                          "WHERE snapshotter = ? AND namespace = ? AND key = ?"));
  std::string next = r.info.parent;
  while (!next.empty()) {
    if (r.parent_ids.size() > 10'000) {
      return Internalf("snapshot {:?}: parent chain longer than 10000", key);
    }
    parent.Reset();
    BERTH_RETURN_IF_ERROR(parent.BindAll(snapshotter_, ns_, next));
    BERTH_ASSIGN_OR_RETURN(bool found, parent.Step());
    if (!found) return Internalf("snapshot {:?}: parent {:?} has no record", key, next);
    r.parent_ids.push_back(parent.Int(0));
    next = parent.IsNull(1) ? std::string() : parent.Text(1);
  }
  return std::optional<Record>(std::move(r));
}

absl::Status SnapshotRecords::WriteLabels(int64_t id, const Labels& labels) {
  BERTH_ASSIGN_OR_RETURN(Statement clear,
                         tx_.db().Prepare("DELETE FROM snapshot_labels WHERE snapshot_id = ?"));
  BERTH_RETURN_IF_ERROR(clear.BindAll(id));
  BERTH_RETURN_IF_ERROR(clear.Run());
  return metadata::InsertLabelRows(
      tx_.db(), "INSERT INTO snapshot_labels (snapshot_id, key, value) VALUES (?, ?, ?)", labels,
      id);
}

absl::StatusOr<Record> SnapshotRecords::Get(std::string_view key) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(ValidateKey(key, "key"));
  BERTH_ASSIGN_OR_RETURN(std::optional<Record> r, Read(key));
  if (!r) {
    return NotFoundf("snapshot {:?} in namespace {:?} ({} snapshotter): not found", key, ns_,
                     snapshotter_);
  }
  return *std::move(r);
}

absl::StatusOr<Record> SnapshotRecords::Create(Kind kind, std::string_view key,
                                               std::string_view parent, const Labels& labels) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("create snapshot"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(ValidateKey(key, "key"));
  if (kind == Kind::kCommitted) {
    return InvalidArgumentf("snapshot {:?}: only active and view snapshots can be created", key);
  }
  Labels stored_labels = labels;
  metadata::DropEmptyLabels(stored_labels);
  BERTH_RETURN_IF_ERROR(metadata::ValidateLabels(stored_labels, "snapshot.labels"));
  BERTH_RETURN_IF_ERROR(metadata::NamespaceStore(tx_).Ensure(ns_));
  BERTH_ASSIGN_OR_RETURN(std::optional<Record> existing, Read(key));
  if (existing) {
    return AlreadyExistsf("snapshot {:?} in namespace {:?}: already exists", key, ns_);
  }
  if (!parent.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::optional<Record> p, Read(parent));
    if (!p) {
      return NotFoundf("parent snapshot {:?} of {:?} in namespace {:?}: not found", parent, key,
                       ns_);
    }
    if (p->info.kind != Kind::kCommitted) {
      return FailedPreconditionf("parent snapshot {:?} of {:?} is {}, not committed", parent, key,
                                 KindName(p->info.kind));
    }
  }
  metadata::Timestamp now = metadata::Now();
  BERTH_ASSIGN_OR_RETURN(
      Statement insert,
      tx_.db().Prepare("INSERT INTO snapshots (snapshotter, namespace, key, kind, parent, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  std::optional<std::string_view> parent_column;
  if (!parent.empty()) parent_column = parent;
  BERTH_RETURN_IF_ERROR(insert.BindAll(snapshotter_, ns_, key, KindName(kind), parent_column,
                                       metadata::ToUnixNanos(now), metadata::ToUnixNanos(now)));
  BERTH_ASSIGN_OR_RETURN(bool row, insert.Step());
  if (!row) return Internalf("create snapshot {:?}: INSERT returned no id", key);
  int64_t id = insert.Int(0);
  BERTH_ASSIGN_OR_RETURN(bool more, insert.Step());
  (void)more;
  BERTH_RETURN_IF_ERROR(WriteLabels(id, stored_labels));
  BERTH_ASSIGN_OR_RETURN(std::optional<Record> created, Read(key));
  if (!created) return Internalf("create snapshot {:?}: record vanished", key);
  return *std::move(created);
}

absl::StatusOr<Record> SnapshotRecords::Commit(std::string_view name, std::string_view key,
                                               const Labels& labels) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("commit snapshot"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(ValidateKey(key, "key"));
  BERTH_RETURN_IF_ERROR(ValidateKey(name, "name"));
  Labels stored_labels = labels;
  metadata::DropEmptyLabels(stored_labels);
  BERTH_RETURN_IF_ERROR(metadata::ValidateLabels(stored_labels, "snapshot.labels"));
  BERTH_ASSIGN_OR_RETURN(Record active, Get(key));
  if (active.info.kind != Kind::kActive) {
    return FailedPreconditionf("commit snapshot {:?}: it is {}, not active", key,
                               KindName(active.info.kind));
  }
  BERTH_ASSIGN_OR_RETURN(std::optional<Record> taken, Read(name));
  if (taken) {
    return AlreadyExistsf("commit snapshot {:?}: snapshot {:?} in namespace {:?} already exists",
                          key, name, ns_);
  }
  metadata::Timestamp now = metadata::Now();
  BERTH_ASSIGN_OR_RETURN(
      Statement update,
      tx_.db().Prepare("UPDATE snapshots SET key = ?, kind = 'committed', created_at = ?, "
                       "updated_at = ? WHERE id = ?"));
  BERTH_RETURN_IF_ERROR(
      update.BindAll(name, metadata::ToUnixNanos(now), metadata::ToUnixNanos(now), active.id));
  BERTH_RETURN_IF_ERROR(update.Run());
  BERTH_RETURN_IF_ERROR(WriteLabels(active.id, stored_labels));
  return Get(name);
}

absl::StatusOr<int64_t> SnapshotRecords::Remove(std::string_view key) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("remove snapshot"));
  BERTH_ASSIGN_OR_RETURN(Record r, Get(key));
  BERTH_ASSIGN_OR_RETURN(
      Statement children,
      tx_.db().Prepare("SELECT key FROM snapshots WHERE snapshotter = ? AND namespace = ? "
                       "AND parent = ? ORDER BY key LIMIT 1"));
  BERTH_RETURN_IF_ERROR(children.BindAll(snapshotter_, ns_, key));
  BERTH_ASSIGN_OR_RETURN(bool has_child, children.Step());
  if (has_child) {
    return FailedPreconditionf(
        "remove snapshot {:?} in namespace {:?}: it is the parent of {:?}; remove that first", key,
        ns_, children.Text(0));
  }
  BERTH_ASSIGN_OR_RETURN(Statement del, tx_.db().Prepare("DELETE FROM snapshots WHERE id = ?"));
  BERTH_RETURN_IF_ERROR(del.BindAll(r.id));
  BERTH_RETURN_IF_ERROR(del.Run());
  return r.id;
}

absl::StatusOr<std::vector<Info>> SnapshotRecords::List(const std::vector<std::string>& filters) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(metadata::Filter filter, metadata::Filter::ParseAll(filters));
  std::vector<Record> all;
  std::map<int64_t, size_t> index;
  {
    BERTH_ASSIGN_OR_RETURN(Statement stmt, tx_.db().Prepare(fmt::format(
                                               "SELECT {} FROM snapshots WHERE snapshotter = ? AND "
                                               "namespace = ? ORDER BY key",
                                               kColumns)));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(snapshotter_, ns_));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      BERTH_ASSIGN_OR_RETURN(Record r, ReadRow(stmt));
      index.emplace(r.id, all.size());
      all.push_back(std::move(r));
    }
  }
  if (!all.empty()) {
    BERTH_ASSIGN_OR_RETURN(
        Statement stmt,
        tx_.db().Prepare("SELECT l.snapshot_id, l.key, l.value FROM snapshot_labels l "
                         "JOIN snapshots s ON s.id = l.snapshot_id "
                         "WHERE s.snapshotter = ? AND s.namespace = ?"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(snapshotter_, ns_));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      auto it = index.find(stmt.Int(0));
      if (it != index.end()) all[it->second].info.labels.emplace(stmt.Text(1), stmt.Text(2));
    }
  }
  std::vector<Info> out;
  for (Record& r : all) {
    if (filter.Match(InfoAdaptor(r.info))) out.push_back(std::move(r.info));
  }
  return out;
}

absl::StatusOr<Info> SnapshotRecords::Update(const Info& info,
                                             const std::vector<std::string>& paths) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("update snapshot"));
  BERTH_ASSIGN_OR_RETURN(Record r, Get(info.name));
  Labels labels = r.info.labels;
  if (paths.empty()) labels = info.labels;
  for (const std::string& path : paths) {
    if (path == "labels") {
      labels = info.labels;
    } else if (path.starts_with("labels.")) {
      std::string key = path.substr(std::string_view("labels.").size());
      auto it = info.labels.find(key);
      labels[key] = it == info.labels.end() ? std::string() : it->second;
    } else {
      return InvalidArgumentf("cannot update {:?} field on snapshot {:?}", path, info.name);
    }
  }
  metadata::DropEmptyLabels(labels);
  BERTH_RETURN_IF_ERROR(metadata::ValidateLabels(labels, "snapshot.labels"));
  metadata::Timestamp updated =
      std::max(metadata::Now(), r.info.updated + std::chrono::nanoseconds(1));
  BERTH_ASSIGN_OR_RETURN(Statement stmt,
                         tx_.db().Prepare("UPDATE snapshots SET updated_at = ? WHERE id = ?"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(metadata::ToUnixNanos(updated), r.id));
  BERTH_RETURN_IF_ERROR(stmt.Run());
  BERTH_RETURN_IF_ERROR(WriteLabels(r.id, labels));
  r.info.labels = std::move(labels);
  r.info.updated = updated;
  return r.info;
}

absl::StatusOr<std::vector<int64_t>> SnapshotRecords::AllIds(metadata::Transaction& tx,
                                                             std::string_view snapshotter) {
  BERTH_ASSIGN_OR_RETURN(
      Statement stmt,
      tx.db().Prepare("SELECT id FROM snapshots WHERE snapshotter = ? ORDER BY id"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(snapshotter));
  std::vector<int64_t> ids;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ids.push_back(stmt.Int(0));
  }
  return ids;
}

metadata::NamespaceUsageCheck SnapshotRecords::UsageCheck(std::string snapshotter) {
  return [snapshotter = std::move(snapshotter)](
             metadata::Transaction& tx,
             std::string_view ns) -> absl::StatusOr<std::vector<std::string>> {
    BERTH_ASSIGN_OR_RETURN(Statement stmt,
                           tx.db().Prepare("SELECT 1 FROM snapshots WHERE snapshotter = ? AND "
                                           "namespace = ? LIMIT 1"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(snapshotter, ns));
    BERTH_ASSIGN_OR_RETURN(bool any, stmt.Step());
    if (!any) return std::vector<std::string>();
    return std::vector<std::string>{fmt::format("snapshots on {:?} snapshotter", snapshotter)};
  };
}

}  // namespace berth::containerd::snapshots

#include "containerd/core/metadata/containers.h"

#include <algorithm>
#include <utility>

#include "common/id.h"
#include "common/json_util.h"
#include "common/status.h"
#include "containerd/core/metadata/label_rows.h"
#include "containerd/core/metadata/namespaces.h"

namespace berth::containerd::metadata {
namespace {

constexpr std::string_view kColumns =
    "id, image, runtime_name, runtime_options_type_url, runtime_options_value, spec, "
    "snapshotter, snapshot_key, sandbox, created_at, updated_at";

// Reads a row selected with kColumns.
Container ReadRow(const sqlite::Statement& stmt) {
  Container c;
  c.id = stmt.Text(0);
  c.image = stmt.Text(1);
  c.runtime.name = stmt.Text(2);
  if (!stmt.IsNull(3)) c.runtime.options = Any{stmt.Text(3), stmt.Bytes(4)};
  c.spec = stmt.Bytes(5);
  c.snapshotter = stmt.Text(6);
  c.snapshot_key = stmt.Text(7);
  c.sandbox = stmt.Text(8);
  c.created_at = FromUnixNanos(stmt.Int(9));
  c.updated_at = FromUnixNanos(stmt.Int(10));
  return c;
}

// containerd's validateContainer, except that the spec may be empty (the
// record can be made before its spec) and, when set, must be a JSON object.
absl::Status Validate(const Container& c) {
  BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerdId(c.id), "container.id"));
  for (const auto& [name, value] : c.extensions) {
    if (name.empty()) return InvalidArgumentf("container.extensions: names must not be empty");
  }
  BERTH_RETURN_IF_ERROR(ValidateLabels(c.labels, "container.labels"));
  if (c.runtime.name.empty()) return InvalidArgumentf("container.runtime.name must be set");
  if (!c.spec.empty()) {
    BERTH_ASSIGN_OR_RETURN(json::Json spec, json::Parse(c.spec, "container.spec"));
    if (!spec.is_object()) {
      return InvalidArgumentf("container.spec: expected a JSON object, got {}", spec.type_name());
    }
  }
  if (!c.snapshot_key.empty() && c.snapshotter.empty()) {
    return InvalidArgumentf("container.snapshotter must be set if container.snapshot_key is set");
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::string> ContainerAdaptor::Field(const std::vector<std::string>& path) const {
  if (path.empty()) return std::nullopt;
  auto present = [](const std::string& s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return s;
  };
  const std::string& field = path[0];
  if (field == "id") return present(c_.id);
  if (field == "image") return present(c_.image);
  if (field == "runtime") {
    if (path.size() > 1 && path[1] == "name") return present(c_.runtime.name);
    return std::nullopt;
  }
  if (field == "labels") return MapField(std::span(path).subspan(1), c_.labels);
  if (field == "snapshotter") return present(c_.snapshotter);
  if (field == "snapshot_key") return present(c_.snapshot_key);
  if (field == "sandbox") return present(c_.sandbox);
  return std::nullopt;
}

absl::Status ContainerStore::ValidateNamespace() const {
  return WithContext(ValidateContainerdId(ns_), "namespace");
}

absl::StatusOr<bool> ContainerStore::AnyInNamespace(Transaction& tx, std::string_view ns) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                         tx.db().Prepare("SELECT 1 FROM containers WHERE namespace = ? LIMIT 1"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns));
  return stmt.Step();
}

absl::StatusOr<std::optional<Container>> ContainerStore::Read(std::string_view id) {
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement stmt,
      tx_.db().Prepare(
          fmt::format("SELECT {} FROM containers WHERE namespace = ? AND id = ?", kColumns)));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_, id));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Container>();
  Container c = ReadRow(stmt);

  BERTH_ASSIGN_OR_RETURN(c.labels, ReadLabelRows(tx_.db(),
                                                 "SELECT key, value FROM container_labels "
                                                 "WHERE namespace = ? AND container_id = ?",
                                                 ns_, id));

  BERTH_ASSIGN_OR_RETURN(sqlite::Statement extensions,
                         tx_.db().Prepare("SELECT name, type_url, value FROM container_extensions "
                                          "WHERE namespace = ? AND container_id = ?"));
  BERTH_RETURN_IF_ERROR(extensions.BindAll(ns_, id));
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool more, extensions.Step());
    if (!more) break;
    c.extensions.emplace(extensions.Text(0), Any{extensions.Text(1), extensions.Bytes(2)});
  }
  return std::optional<Container>(std::move(c));
}

absl::Status ContainerStore::Write(const Container& c, bool insert) {
  constexpr std::string_view kInsert =
      "INSERT INTO containers (image, runtime_name, runtime_options_type_url, "
      "runtime_options_value, spec, snapshotter, snapshot_key, sandbox, created_at, updated_at, "
      "namespace, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  constexpr std::string_view kUpdate =
      "UPDATE containers SET image = ?, runtime_name = ?, runtime_options_type_url = ?, "
      "runtime_options_value = ?, spec = ?, snapshotter = ?, snapshot_key = ?, sandbox = ?, "
      "created_at = ?, updated_at = ? WHERE namespace = ? AND id = ?";
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt, tx_.db().Prepare(insert ? kInsert : kUpdate));
  std::optional<std::string_view> options_type;
  std::optional<sqlite::Blob> options_value;
  if (c.runtime.options) {
    options_type = c.runtime.options->type_url;
    options_value = sqlite::Blob{c.runtime.options->value};
  }
  BERTH_RETURN_IF_ERROR(stmt.BindAll(
      c.image, c.runtime.name, options_type, options_value, sqlite::Blob{c.spec}, c.snapshotter,
      c.snapshot_key, c.sandbox, ToUnixNanos(c.created_at), ToUnixNanos(c.updated_at), ns_, c.id));
  BERTH_RETURN_IF_ERROR(stmt.Run());

  if (!insert) {
    for (std::string_view table : {"container_labels", "container_extensions"}) {
      BERTH_ASSIGN_OR_RETURN(
          sqlite::Statement clear,
          tx_.db().Prepare(
              fmt::format("DELETE FROM {} WHERE namespace = ? AND container_id = ?", table)));
      BERTH_RETURN_IF_ERROR(clear.BindAll(ns_, c.id));
      BERTH_RETURN_IF_ERROR(clear.Run());
    }
  }
  BERTH_RETURN_IF_ERROR(InsertLabelRows(tx_.db(),
                                        "INSERT INTO container_labels "
                                        "(namespace, container_id, key, value) VALUES (?, ?, ?, ?)",
                                        c.labels, ns_, c.id));
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement extension,
                         tx_.db().Prepare("INSERT INTO container_extensions "
                                          "(namespace, container_id, name, type_url, value) "
                                          "VALUES (?, ?, ?, ?, ?)"));
  for (const auto& [name, any] : c.extensions) {
    extension.Reset();
    BERTH_RETURN_IF_ERROR(
        extension.BindAll(ns_, c.id, name, any.type_url, sqlite::Blob{any.value}));
    BERTH_RETURN_IF_ERROR(extension.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<Container> ContainerStore::Get(std::string_view id) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerdId(id), "container.id"));
  BERTH_ASSIGN_OR_RETURN(std::optional<Container> c, Read(id));
  if (!c) return NotFoundf("container {:?} in namespace {:?}: not found", id, ns_);
  return *std::move(c);
}

absl::StatusOr<std::vector<Container>> ContainerStore::List(
    const std::vector<std::string>& filters) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(Filter filter, Filter::ParseAll(filters));

  std::vector<Container> all;
  std::map<std::string, size_t, std::less<>> index;
  {
    BERTH_ASSIGN_OR_RETURN(
        sqlite::Statement stmt,
        tx_.db().Prepare(
            fmt::format("SELECT {} FROM containers WHERE namespace = ? ORDER BY id", kColumns)));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      all.push_back(ReadRow(stmt));
      index.emplace(all.back().id, all.size() - 1);
    }
  }
  if (all.empty()) return all;
  {
    BERTH_ASSIGN_OR_RETURN(
        auto labels, ReadLabelRowsByOwner(tx_.db(),
                                          "SELECT container_id, key, value FROM container_labels "
                                          "WHERE namespace = ?",
                                          ns_));
    for (auto& [id, owned] : labels) {
      if (auto it = index.find(id); it != index.end()) all[it->second].labels = std::move(owned);
    }
  }
  {
    BERTH_ASSIGN_OR_RETURN(
        sqlite::Statement stmt,
        tx_.db().Prepare("SELECT container_id, name, type_url, value FROM container_extensions "
                         "WHERE namespace = ?"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      auto it = index.find(stmt.Text(0));
      if (it != index.end()) {
        all[it->second].extensions.emplace(stmt.Text(1), Any{stmt.Text(2), stmt.Bytes(3)});
      }
    }
  }
  std::vector<Container> out;
  for (Container& c : all) {
    if (filter.Match(ContainerAdaptor(c))) out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<Container> ContainerStore::Create(const Container& c) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("create container"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(WithContext(Validate(c), "create container"));
  BERTH_RETURN_IF_ERROR(NamespaceStore(tx_).Ensure(ns_));
  BERTH_ASSIGN_OR_RETURN(std::optional<Container> existing, Read(c.id));
  if (existing) return AlreadyExistsf("container {:?}: already exists", c.id);
  Container stored = c;
  DropEmptyLabels(stored.labels);
  stored.created_at = Now();
  stored.updated_at = stored.created_at;
  BERTH_RETURN_IF_ERROR(Write(stored, /*insert=*/true));
  return stored;
}

absl::StatusOr<Container> ContainerStore::Update(const Container& c,
                                                 const std::vector<std::string>& paths) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("update container"));
  if (c.id.empty()) return InvalidArgumentf("must specify a container id");
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(std::optional<Container> existing, Read(c.id));
  if (!existing) return NotFoundf("container {:?} in namespace {:?}: not found", c.id, ns_);
  Container updated = *existing;

  // Follows containerd's containerStore.Update (core/metadata/containers.go)
  // path for path: a full update covers only the mutable fields and refuses
  // a changed snapshotter or runtime name; runtime, snapshotter and sandbox
  // are not accepted as paths at all. Two differences: "snapshot_key" (the
  // proto field's name) is accepted beside containerd's "snapshotkey", and
  // "extensions.<key>" absent from `c` removes the extension (containerd
  // would store a nil Any).
  std::vector<std::string> fieldpaths = paths;
  if (fieldpaths.empty()) {
    fieldpaths = {"labels", "spec", "extensions", "image", "snapshotkey"};
    if (existing->snapshotter != c.snapshotter) {
      return InvalidArgumentf("container.snapshotter field is immutable");
    }
    if (existing->runtime.name != c.runtime.name) {
      return InvalidArgumentf("container.runtime.name field is immutable");
    }
  }
  for (const std::string& path : fieldpaths) {
    if (path.starts_with("labels.")) {
      std::string key = path.substr(std::string_view("labels.").size());
      auto it = c.labels.find(key);
      updated.labels[key] = it == c.labels.end() ? std::string() : it->second;
      continue;
    }
    if (path.starts_with("extensions.")) {
      std::string key = path.substr(std::string_view("extensions.").size());
      auto it = c.extensions.find(key);
      if (it == c.extensions.end()) {
        updated.extensions.erase(key);
      } else {
        updated.extensions[key] = it->second;
      }
      continue;
    }
    if (path == "labels") {
      updated.labels = c.labels;
    } else if (path == "spec") {
      updated.spec = c.spec;
    } else if (path == "extensions") {
      updated.extensions = c.extensions;
    } else if (path == "image") {
      updated.image = c.image;
    } else if (path == "snapshotkey" || path == "snapshot_key") {
      updated.snapshot_key = c.snapshot_key;
    } else {
      return InvalidArgumentf("cannot update {:?} field on {:?}", path, c.id);
    }
  }
  DropEmptyLabels(updated.labels);
  BERTH_RETURN_IF_ERROR(WithContext(Validate(updated), "update container"));
  // Strictly later than the last update even if the clock stepped back.
  updated.updated_at = std::max(Now(), existing->updated_at + std::chrono::nanoseconds(1));
  BERTH_RETURN_IF_ERROR(Write(updated, /*insert=*/false));
  return updated;
}

absl::Status ContainerStore::Delete(std::string_view id) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("delete container"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerdId(id), "container.id"));
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement task,
      tx_.db().Prepare("SELECT 1 FROM task_bundles WHERE namespace = ? AND container_id = ?"));
  BERTH_RETURN_IF_ERROR(task.BindAll(ns_, id));
  BERTH_ASSIGN_OR_RETURN(bool has_task, task.Step());
  if (has_task) {
    return FailedPreconditionf("container {:?} in namespace {:?} has a task: delete it first", id,
                               ns_);
  }
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement del,
                         tx_.db().Prepare("DELETE FROM containers WHERE namespace = ? AND id = ?"));
  BERTH_RETURN_IF_ERROR(del.BindAll(ns_, id));
  BERTH_RETURN_IF_ERROR(del.Run());
  if (tx_.db().Changes() == 0) {
    return NotFoundf("container {:?} in namespace {:?}: not found", id, ns_);
  }
  return absl::OkStatus();
}

}  // namespace berth::containerd::metadata

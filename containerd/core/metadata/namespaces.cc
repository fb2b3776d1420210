#include "containerd/core/metadata/namespaces.h"

#include <utility>

#include "common/id.h"
#include "common/status.h"
#include "common/strings.h"
#include "containerd/core/metadata/label_rows.h"

namespace berth::containerd::metadata {
namespace {

absl::Status ValidateName(std::string_view name) {
  return WithContext(ValidateContainerdId(name), "namespace");
}

}  // namespace

std::optional<std::string> NamespaceAdaptor::Field(const std::vector<std::string>& path) const {
  if (path.empty()) return std::nullopt;
  if (path[0] == "name") {
    if (ns_.name.empty()) return std::nullopt;
    return ns_.name;
  }
  if (path[0] == "labels") return MapField(std::span(path).subspan(1), ns_.labels);
  return std::nullopt;
}

absl::StatusOr<bool> NamespaceStore::Exists(std::string_view name) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                         tx_.db().Prepare("SELECT 1 FROM namespaces WHERE name = ?"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(name));
  return stmt.Step();
}

absl::StatusOr<Labels> NamespaceStore::ReadLabels(std::string_view name) {
  return ReadLabelRows(tx_.db(), "SELECT key, value FROM namespace_labels WHERE namespace = ?",
                       name);
}

absl::Status NamespaceStore::WriteLabels(std::string_view name, const Labels& labels) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement clear,
                         tx_.db().Prepare("DELETE FROM namespace_labels WHERE namespace = ?"));
  BERTH_RETURN_IF_ERROR(clear.BindAll(name));
  BERTH_RETURN_IF_ERROR(clear.Run());
  Labels stored = labels;
  DropEmptyLabels(stored);
  BERTH_RETURN_IF_ERROR(InsertLabelRows(
      tx_.db(), "INSERT INTO namespace_labels (namespace, key, value) VALUES (?, ?, ?)", stored,
      name));
  return absl::OkStatus();
}

absl::StatusOr<Namespace> NamespaceStore::Create(const Namespace& ns) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("create namespace"));
  BERTH_RETURN_IF_ERROR(ValidateName(ns.name));
  BERTH_RETURN_IF_ERROR(ValidateLabels(ns.labels, "namespace.labels"));
  BERTH_ASSIGN_OR_RETURN(bool exists, Exists(ns.name));
  if (exists) return AlreadyExistsf("namespace {:?}: already exists", ns.name);
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement insert,
                         tx_.db().Prepare("INSERT INTO namespaces (name) VALUES (?)"));
  BERTH_RETURN_IF_ERROR(insert.BindAll(ns.name));
  BERTH_RETURN_IF_ERROR(insert.Run());
  Namespace stored = ns;
  DropEmptyLabels(stored.labels);
  BERTH_RETURN_IF_ERROR(WriteLabels(stored.name, stored.labels));
  return stored;
}

absl::Status NamespaceStore::Ensure(std::string_view name) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("create namespace"));
  BERTH_RETURN_IF_ERROR(ValidateName(name));
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      tx_.db().Prepare("INSERT INTO namespaces (name) VALUES (?) ON CONFLICT DO NOTHING"));
  BERTH_RETURN_IF_ERROR(insert.BindAll(name));
  return insert.Run();
}

absl::StatusOr<Namespace> NamespaceStore::Get(std::string_view name) {
  BERTH_RETURN_IF_ERROR(ValidateName(name));
  BERTH_ASSIGN_OR_RETURN(bool exists, Exists(name));
  if (!exists) return NotFoundf("namespace {:?}: not found", name);
  Namespace ns{std::string(name), {}};
  BERTH_ASSIGN_OR_RETURN(ns.labels, ReadLabels(name));
  return ns;
}

absl::StatusOr<std::vector<Namespace>> NamespaceStore::List(
    const std::vector<std::string>& filters) {
  BERTH_ASSIGN_OR_RETURN(Filter filter, Filter::ParseAll(filters));
  // Two ordered scans merged, rather than a label query per namespace.
  std::vector<Namespace> all;
  {
    BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                           tx_.db().Prepare("SELECT name FROM namespaces ORDER BY name"));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      all.push_back(Namespace{stmt.Text(0), {}});
    }
  }
  {
    BERTH_ASSIGN_OR_RETURN(
        sqlite::Statement stmt,
        tx_.db().Prepare("SELECT namespace, key, value FROM namespace_labels ORDER BY namespace"));
    size_t i = 0;
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      std::string name = stmt.Text(0);
      while (i < all.size() && all[i].name < name) ++i;
      if (i == all.size() || all[i].name != name) continue;  // cannot happen: foreign key
      all[i].labels.emplace(stmt.Text(1), stmt.Text(2));
    }
  }
  std::vector<Namespace> out;
  for (Namespace& ns : all) {
    if (filter.Match(NamespaceAdaptor(ns))) out.push_back(std::move(ns));
  }
  return out;
}

absl::StatusOr<Namespace> NamespaceStore::Update(const Namespace& ns,
                                                 const std::vector<std::string>& paths) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("update namespace"));
  BERTH_ASSIGN_OR_RETURN(Namespace updated, Get(ns.name));
  if (paths.empty()) {
    updated.labels = ns.labels;
  } else {
    for (const std::string& path : paths) {
      if (path == "labels") {
        updated.labels = ns.labels;
      } else if (path.starts_with("labels.")) {
        std::string key = path.substr(std::string_view("labels.").size());
        auto it = ns.labels.find(key);
        if (it == ns.labels.end()) {
          updated.labels.erase(key);
        } else {
          updated.labels[key] = it->second;
        }
      } else {
        return InvalidArgumentf("cannot update {:?} field on namespace {:?}", path, ns.name);
      }
    }
  }
  DropEmptyLabels(updated.labels);
  BERTH_RETURN_IF_ERROR(ValidateLabels(updated.labels, "namespace.labels"));
  BERTH_RETURN_IF_ERROR(WriteLabels(updated.name, updated.labels));
  return updated;
}

absl::Status NamespaceStore::Delete(std::string_view name) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("delete namespace"));
  BERTH_RETURN_IF_ERROR(ValidateName(name));
  BERTH_ASSIGN_OR_RETURN(bool exists, Exists(name));
  if (!exists) return NotFoundf("namespace {:?}: not found", name);
  // containerd's listNs: name every kind still present, not each object.
  std::vector<std::string> in_use;
  for (const NamespaceUsageCheck& check : tx_.store().namespace_usage_checks()) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> kinds, check(tx_, name));
    in_use.insert(in_use.end(), kinds.begin(), kinds.end());
  }
  if (!in_use.empty()) {
    return FailedPreconditionf("namespace {:?} must be empty, but it still has {}", name,
                               Join(in_use, ", "));
  }
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement del,
                         tx_.db().Prepare("DELETE FROM namespaces WHERE name = ?"));
  BERTH_RETURN_IF_ERROR(del.BindAll(name));
  return del.Run();
}

absl::Status EnsureNamespace(Store& store, std::string_view name) {
  return store.Update([&](Transaction& tx) { return NamespaceStore(tx).Ensure(name); });
}

}  // namespace berth::containerd::metadata

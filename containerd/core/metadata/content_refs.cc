#include "containerd/core/metadata/content_refs.h"

#include <map>

#include "common/id.h"
#include "common/status.h"
#include "containerd/core/metadata/label_rows.h"
#include "containerd/core/metadata/leases.h"
#include "containerd/core/metadata/namespaces.h"

namespace berth::containerd::metadata {

std::optional<std::string> ContentRefAdaptor::Field(const std::vector<std::string>& path) const {
  if (path.empty()) return std::nullopt;
  if (path[0] == "digest") {
    if (ref_.digest.empty()) return std::nullopt;
    return ref_.digest;
  }
  if (path[0] == "labels") return MapField(std::span(path).subspan(1), ref_.labels);
  return std::nullopt;
}

absl::Status ContentRefs::ValidateNamespace() const {
  return WithContext(ValidateContainerdId(ns_), "namespace");
}

absl::StatusOr<std::optional<ContentRef>> ContentRefs::Read(std::string_view digest) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                         tx_.db().Prepare("SELECT created_at, updated_at FROM content_refs "
                                          "WHERE namespace = ? AND digest = ?"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_, digest));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<ContentRef>();
  ContentRef ref;
  ref.digest = std::string(digest);
  ref.created_at = FromUnixNanos(stmt.Int(0));
  ref.updated_at = FromUnixNanos(stmt.Int(1));
  BERTH_ASSIGN_OR_RETURN(ref.labels, ReadLabelRows(tx_.db(),
                                                   "SELECT key, value FROM content_ref_labels "
                                                   "WHERE namespace = ? AND digest = ?",
                                                   ns_, digest));
  return std::optional<ContentRef>(std::move(ref));
}

absl::Status ContentRefs::Write(const ContentRef& ref, bool insert) {
  constexpr std::string_view kInsert =
      "INSERT INTO content_refs (created_at, updated_at, namespace, digest) VALUES (?, ?, ?, ?)";
  constexpr std::string_view kUpdate =
      "UPDATE content_refs SET created_at = ?, updated_at = ? WHERE namespace = ? AND digest = ?";
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt, tx_.db().Prepare(insert ? kInsert : kUpdate));
  BERTH_RETURN_IF_ERROR(
      stmt.BindAll(ToUnixNanos(ref.created_at), ToUnixNanos(ref.updated_at), ns_, ref.digest));
  BERTH_RETURN_IF_ERROR(stmt.Run());
  if (!insert) {
    BERTH_ASSIGN_OR_RETURN(
        sqlite::Statement clear,
        tx_.db().Prepare("DELETE FROM content_ref_labels WHERE namespace = ? AND digest = ?"));
    BERTH_RETURN_IF_ERROR(clear.BindAll(ns_, ref.digest));
    BERTH_RETURN_IF_ERROR(clear.Run());
  }
  return InsertLabelRows(
      tx_.db(),
      "INSERT INTO content_ref_labels (namespace, digest, key, value) VALUES (?, ?, ?, ?)",
      ref.labels, ns_, ref.digest);
}

absl::StatusOr<ContentRef> ContentRefs::Add(std::string_view digest, const Labels& labels) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("add content reference"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_RETURN_IF_ERROR(ValidateDigestText(digest, "content"));
  BERTH_RETURN_IF_ERROR(NamespaceStore(tx_).Ensure(ns_));
  BERTH_ASSIGN_OR_RETURN(std::optional<ContentRef> existing, Read(digest));
  ContentRef ref;
  if (existing) {
    ref = *std::move(existing);
    if (labels.empty()) return ref;
    for (const auto& [key, value] : labels) ref.labels[key] = value;
    ref.updated_at = std::max(Now(), ref.updated_at);
  } else {
    ref.digest = std::string(digest);
    ref.labels = labels;
    ref.created_at = Now();
    ref.updated_at = ref.created_at;
  }
  DropEmptyLabels(ref.labels);
  BERTH_RETURN_IF_ERROR(ValidateLabels(ref.labels, "content.labels"));
  BERTH_RETURN_IF_ERROR(Write(ref, /*insert=*/!existing));
  return ref;
}

absl::Status ContentRefs::Remove(std::string_view digest) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("remove content reference"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement del,
      tx_.db().Prepare("DELETE FROM content_refs WHERE namespace = ? AND digest = ?"));
  BERTH_RETURN_IF_ERROR(del.BindAll(ns_, digest));
  BERTH_RETURN_IF_ERROR(del.Run());
  if (tx_.db().Changes() == 0) {
    return NotFoundf("content {} in namespace {:?}: not found", digest, ns_);
  }
  return absl::OkStatus();
}

absl::StatusOr<ContentRef> ContentRefs::Get(std::string_view digest) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(std::optional<ContentRef> ref, Read(digest));
  if (!ref) return NotFoundf("content {} in namespace {:?}: not found", digest, ns_);
  return *std::move(ref);
}

absl::StatusOr<ContentRef> ContentRefs::Update(const ContentRef& ref,
                                               const std::vector<std::string>& paths) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("update content reference"));
  BERTH_ASSIGN_OR_RETURN(ContentRef updated, Get(ref.digest));
  if (paths.empty()) {
    updated.labels = ref.labels;
  } else {
    for (const std::string& path : paths) {
      if (path == "labels") {
        updated.labels = ref.labels;
      } else if (path.starts_with("labels.")) {
        std::string key = path.substr(std::string_view("labels.").size());
        auto it = ref.labels.find(key);
        if (it == ref.labels.end()) {
          updated.labels.erase(key);
        } else {
          updated.labels[key] = it->second;
        }
      } else {
        return InvalidArgumentf("cannot update {:?} field on content {}", path, ref.digest);
      }
    }
  }
  DropEmptyLabels(updated.labels);
  BERTH_RETURN_IF_ERROR(ValidateLabels(updated.labels, "content.labels"));
  updated.updated_at = std::max(Now(), updated.updated_at);
  BERTH_RETURN_IF_ERROR(Write(updated, /*insert=*/false));
  return updated;
}

absl::StatusOr<std::vector<ContentRef>> ContentRefs::List(const std::vector<std::string>& filters) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(Filter filter, Filter::ParseAll(filters));
  std::vector<ContentRef> all;
  std::map<std::string, size_t, std::less<>> index;
  {
    BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                           tx_.db().Prepare("SELECT digest, created_at, updated_at FROM "
                                            "content_refs WHERE namespace = ? ORDER BY digest"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      ContentRef ref;
      ref.digest = stmt.Text(0);
      ref.created_at = FromUnixNanos(stmt.Int(1));
      ref.updated_at = FromUnixNanos(stmt.Int(2));
      all.push_back(std::move(ref));
      index.emplace(all.back().digest, all.size() - 1);
    }
  }
  if (all.empty()) return all;
  {
    BERTH_ASSIGN_OR_RETURN(
        auto labels,
        ReadLabelRowsByOwner(
            tx_.db(), "SELECT digest, key, value FROM content_ref_labels WHERE namespace = ?",
            ns_));
    for (auto& [digest, owned] : labels) {
      if (auto it = index.find(digest); it != index.end())
        all[it->second].labels = std::move(owned);
    }
  }
  std::vector<ContentRef> out;
  for (ContentRef& ref : all) {
    if (filter.Match(ContentRefAdaptor(ref))) out.push_back(std::move(ref));
  }
  return out;
}

absl::StatusOr<bool> ContentRefs::AnyNamespace(Transaction& tx, std::string_view digest) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                         tx.db().Prepare("SELECT 1 FROM content_refs WHERE digest = ? LIMIT 1"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(digest));
  return stmt.Step();
}

NamespaceUsageCheck ContentRefs::UsageCheck() {
  return [](Transaction& tx, std::string_view ns) -> absl::StatusOr<std::vector<std::string>> {
    BERTH_ASSIGN_OR_RETURN(
        sqlite::Statement stmt,
        tx.db().Prepare("SELECT 1 FROM content_refs WHERE namespace = ? LIMIT 1"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns));
    BERTH_ASSIGN_OR_RETURN(bool any, stmt.Step());
    if (!any) return std::vector<std::string>{};
    return std::vector<std::string>{"blobs"};
  };
}

}  // namespace berth::containerd::metadata

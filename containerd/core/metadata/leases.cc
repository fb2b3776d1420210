#include "containerd/core/metadata/leases.h"

#include <sys/random.h>

#include <algorithm>
#include <limits>
#include <map>

#include "common/id.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "containerd/core/metadata/label_rows.h"
#include "containerd/core/metadata/namespaces.h"

namespace berth::containerd::metadata {
namespace {

constexpr std::string_view kKindNames[] = {"content", "snapshot", "ingest", "image"};

std::string_view KindColumn(LeaseResource::Kind kind) { return kKindNames[static_cast<int>(kind)]; }

absl::StatusOr<LeaseResource::Kind> KindFromColumn(std::string_view text) {
  for (size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == text) return static_cast<LeaseResource::Kind>(i);
  }
  return Errorf(absl::StatusCode::kDataLoss, "lease resource kind {:?} is unknown", text);
}

// containerd's lease ids are random; 16 bytes of hex is an identifier by its
// rule.
absl::StatusOr<std::string> RandomLeaseId() {
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return ErrnoErrorf(errno, "getrandom");
  }
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

absl::Status ValidateResource(const LeaseResource& r) {
  if (r.name.empty()) return InvalidArgumentf("lease resource: name must not be empty");
  switch (r.kind) {
    case LeaseResource::Kind::kContent:
      return ValidateDigestText(r.name, "lease resource");
    case LeaseResource::Kind::kSnapshot:
      if (r.snapshotter.empty()) {
        return InvalidArgumentf("lease resource {:?}: snapshot without snapshotter", r.name);
      }
      return absl::OkStatus();
    case LeaseResource::Kind::kIngest:
    case LeaseResource::Kind::kImage:
      if (!r.snapshotter.empty()) {
        return InvalidArgumentf("lease resource {:?}: only snapshots have a snapshotter", r.name);
      }
      return absl::OkStatus();
  }
  return InvalidArgumentf("lease resource {:?}: unknown kind", r.name);
}

}  // namespace

absl::Status ValidateDigestText(std::string_view digest, std::string_view what) {
  constexpr std::string_view kPrefix = "sha256:";
  bool ok = digest.starts_with(kPrefix) && digest.size() == kPrefix.size() + 64 &&
            std::all_of(digest.begin() + kPrefix.size(), digest.end(),
                        [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (!ok) return InvalidArgumentf("{}: {:?} is not a sha256 digest", what, digest);
  return absl::OkStatus();
}

std::string LeaseResource::Type() const {
  switch (kind) {
    case Kind::kContent:
      return "content";
    case Kind::kSnapshot:
      return "snapshots/" + snapshotter;
    case Kind::kIngest:
      return "ingests";
    case Kind::kImage:
      return "images";
  }
  return "";
}

absl::StatusOr<LeaseResource> LeaseResource::FromType(std::string_view type, std::string name) {
  if (type == "content") return Content(std::move(name));
  if (type == "ingests") return Ingest(std::move(name));
  if (type == "images") return Image(std::move(name));
  if (type.starts_with("snapshots/") && type.size() > std::string_view("snapshots/").size()) {
    return Snapshot(std::string(type.substr(std::string_view("snapshots/").size())),
                    std::move(name));
  }
  return InvalidArgumentf("lease resource type {:?} is unknown", type);
}

std::optional<std::string> LeaseAdaptor::Field(const std::vector<std::string>& path) const {
  if (path.empty()) return std::nullopt;
  if (path[0] == "id") {
    if (lease_.id.empty()) return std::nullopt;
    return lease_.id;
  }
  if (path[0] == "labels") return MapField(std::span(path).subspan(1), lease_.labels);
  return std::nullopt;
}

absl::Status LeaseStore::ValidateNamespace() const {
  return WithContext(ValidateContainerdId(ns_), "namespace");
}

absl::StatusOr<std::optional<Lease>> LeaseStore::Read(std::string_view id) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                         tx_.db().Prepare("SELECT created_at, expires_at FROM leases "
                                          "WHERE namespace = ? AND id = ?"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_, id));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Lease>();
  Lease lease;
  lease.id = std::string(id);
  lease.created_at = FromUnixNanos(stmt.Int(0));
  if (!stmt.IsNull(1)) lease.expires_at = FromUnixNanos(stmt.Int(1));
  BERTH_ASSIGN_OR_RETURN(lease.labels, ReadLabelRows(tx_.db(),
                                                     "SELECT key, value FROM lease_labels "
                                                     "WHERE namespace = ? AND lease_id = ?",
                                                     ns_, id));
  return std::optional<Lease>(std::move(lease));
}

absl::Status LeaseStore::RequireLease(std::string_view id) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                         tx_.db().Prepare("SELECT 1 FROM leases WHERE namespace = ? AND id = ?"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_, id));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return NotFoundf("lease {:?} in namespace {:?}: not found", id, ns_);
  return absl::OkStatus();
}

absl::StatusOr<Lease> LeaseStore::Create(const Lease& lease) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("create lease"));
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  Lease stored = lease;
  if (stored.id.empty()) {
    BERTH_ASSIGN_OR_RETURN(stored.id, RandomLeaseId());
  }
  BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerdId(stored.id), "lease.id"));
  DropEmptyLabels(stored.labels);
  BERTH_RETURN_IF_ERROR(ValidateLabels(stored.labels, "lease.labels"));
  if (!stored.expires_at) {
    if (auto it = stored.labels.find(std::string(kLeaseExpireLabel)); it != stored.labels.end()) {
      absl::StatusOr<struct timespec> ts = ParseRfc3339(it->second);
      if (!ts.ok()) {
        return InvalidArgumentf("lease.labels: {}: {:?} is not an RFC 3339 time", it->first,
                                it->second);
      }
      // Nanoseconds since 1970 in an int64 end in 2262: a later expiry is
      // "never" rather than an overflow into the past.
      constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
      if (ts->tv_sec < kMaxSeconds) {
        stored.expires_at =
            Timestamp(std::chrono::seconds(ts->tv_sec) + std::chrono::nanoseconds(ts->tv_nsec));
      }
    }
  }
  BERTH_RETURN_IF_ERROR(NamespaceStore(tx_).Ensure(ns_));
  BERTH_ASSIGN_OR_RETURN(std::optional<Lease> existing, Read(stored.id));
  if (existing) return AlreadyExistsf("lease {:?}: already exists", stored.id);
  stored.created_at = Now();

  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      tx_.db().Prepare(
          "INSERT INTO leases (namespace, id, created_at, expires_at) VALUES (?, ?, ?, ?)"));
  std::optional<int64_t> expires;
  if (stored.expires_at) expires = ToUnixNanos(*stored.expires_at);
  BERTH_RETURN_IF_ERROR(insert.BindAll(ns_, stored.id, ToUnixNanos(stored.created_at), expires));
  BERTH_RETURN_IF_ERROR(insert.Run());
  BERTH_RETURN_IF_ERROR(InsertLabelRows(
      tx_.db(), "INSERT INTO lease_labels (namespace, lease_id, key, value) VALUES (?, ?, ?, ?)",
      stored.labels, ns_, stored.id));
  return stored;
}

absl::StatusOr<Lease> LeaseStore::Get(std::string_view id) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(std::optional<Lease> lease, Read(id));
  if (!lease) return NotFoundf("lease {:?} in namespace {:?}: not found", id, ns_);
  return *std::move(lease);
}

absl::StatusOr<std::vector<Lease>> LeaseStore::List(const std::vector<std::string>& filters) {
  BERTH_RETURN_IF_ERROR(ValidateNamespace());
  BERTH_ASSIGN_OR_RETURN(Filter filter, Filter::ParseAll(filters));
  std::vector<Lease> all;
  std::map<std::string, size_t, std::less<>> index;
  {
    BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                           tx_.db().Prepare("SELECT id, created_at, expires_at FROM leases "
                                            "WHERE namespace = ? ORDER BY id"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_));
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      Lease lease;
      lease.id = stmt.Text(0);
      lease.created_at = FromUnixNanos(stmt.Int(1));
      if (!stmt.IsNull(2)) lease.expires_at = FromUnixNanos(stmt.Int(2));
      all.push_back(std::move(lease));
      index.emplace(all.back().id, all.size() - 1);
    }
  }
  if (all.empty()) return all;
  {
    BERTH_ASSIGN_OR_RETURN(
        auto labels,
        ReadLabelRowsByOwner(
            tx_.db(), "SELECT lease_id, key, value FROM lease_labels WHERE namespace = ?", ns_));
    for (auto& [id, owned] : labels) {
      if (auto it = index.find(id); it != index.end()) all[it->second].labels = std::move(owned);
    }
  }
  std::vector<Lease> out;
  for (Lease& lease : all) {
    if (filter.Match(LeaseAdaptor(lease))) out.push_back(std::move(lease));
  }
  return out;
}

absl::Status LeaseStore::Delete(std::string_view id) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("delete lease"));
  BERTH_RETURN_IF_ERROR(RequireLease(id));
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement del,
                         tx_.db().Prepare("DELETE FROM leases WHERE namespace = ? AND id = ?"));
  BERTH_RETURN_IF_ERROR(del.BindAll(ns_, id));
  return del.Run();
}

absl::Status LeaseStore::AddResource(std::string_view id, const LeaseResource& resource) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("add lease resource"));
  BERTH_RETURN_IF_ERROR(ValidateResource(resource));
  BERTH_RETURN_IF_ERROR(RequireLease(id));
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement insert,
                         tx_.db().Prepare("INSERT INTO lease_resources "
                                          "(namespace, lease_id, kind, snapshotter, name) "
                                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
  BERTH_RETURN_IF_ERROR(
      insert.BindAll(ns_, id, KindColumn(resource.kind), resource.snapshotter, resource.name));
  return insert.Run();
}

absl::Status LeaseStore::DeleteResource(std::string_view id, const LeaseResource& resource) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("delete lease resource"));
  BERTH_RETURN_IF_ERROR(RequireLease(id));
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement del,
      tx_.db().Prepare("DELETE FROM lease_resources WHERE namespace = ? AND lease_id = ? "
                       "AND kind = ? AND snapshotter = ? AND name = ?"));
  BERTH_RETURN_IF_ERROR(
      del.BindAll(ns_, id, KindColumn(resource.kind), resource.snapshotter, resource.name));
  return del.Run();
}

absl::StatusOr<std::vector<LeaseResource>> LeaseStore::ListResources(std::string_view id) {
  BERTH_RETURN_IF_ERROR(RequireLease(id));
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                         tx_.db().Prepare("SELECT kind, snapshotter, name FROM lease_resources "
                                          "WHERE namespace = ? AND lease_id = ?"));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns_, id));
  std::vector<LeaseResource> out;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    BERTH_ASSIGN_OR_RETURN(LeaseResource::Kind kind, KindFromColumn(stmt.Text(0)));
    out.push_back(LeaseResource{kind, stmt.Text(1), stmt.Text(2)});
  }
  std::sort(out.begin(), out.end());
  return out;
}

NamespaceUsageCheck LeaseStore::UsageCheck() {
  return [](Transaction& tx, std::string_view ns) -> absl::StatusOr<std::vector<std::string>> {
    BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                           tx.db().Prepare("SELECT 1 FROM leases WHERE namespace = ? LIMIT 1"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll(ns));
    BERTH_ASSIGN_OR_RETURN(bool any, stmt.Step());
    if (!any) return std::vector<std::string>{};
    return std::vector<std::string>{"leases"};
  };
}

}  // namespace berth::containerd::metadata

#include "containerd/core/metadata/task_bundles.h"

#include <utility>

#include "common/id.h"
#include "common/status.h"

namespace berth::containerd::metadata {
namespace {

constexpr std::string_view kColumns =
    "namespace, container_id, bundle_path, shim_address, shim_pid, created_at";

TaskBundle ReadRow(const sqlite::Statement& stmt) {
  TaskBundle b;
  b.ns = stmt.Text(0);
  b.container_id = stmt.Text(1);
  b.bundle_path = stmt.Text(2);
  b.shim_address = stmt.Text(3);
  b.shim_pid = stmt.Int(4);
  b.created_at = FromUnixNanos(stmt.Int(5));
  return b;
}

absl::Status ValidateKey(std::string_view ns, std::string_view container_id) {
  BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerdId(ns), "namespace"));
  return WithContext(ValidateContainerdId(container_id), "container.id");
}

}  // namespace

absl::StatusOr<TaskBundle> TaskBundleStore::Put(const TaskBundle& bundle) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("put task bundle"));
  BERTH_RETURN_IF_ERROR(ValidateKey(bundle.ns, bundle.container_id));
  if (!bundle.bundle_path.starts_with('/')) {
    return InvalidArgumentf("task bundle path {:?} is not absolute", bundle.bundle_path);
  }
  if (bundle.shim_pid < 0) return InvalidArgumentf("shim pid {} is negative", bundle.shim_pid);

  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement container,
      tx_.db().Prepare("SELECT 1 FROM containers WHERE namespace = ? AND id = ?"));
  BERTH_RETURN_IF_ERROR(container.BindAll(bundle.ns, bundle.container_id));
  BERTH_ASSIGN_OR_RETURN(bool exists, container.Step());
  if (!exists) {
    return NotFoundf("container {:?} in namespace {:?}: not found", bundle.container_id, bundle.ns);
  }

  TaskBundle stored = bundle;
  if (stored.created_at == Timestamp()) {
    absl::StatusOr<TaskBundle> old = Get(bundle.ns, bundle.container_id);
    if (old.ok()) {
      stored.created_at = old->created_at;
    } else if (absl::IsNotFound(old.status())) {
      stored.created_at = Now();
    } else {
      return old.status();
    }
  }
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement upsert,
                         tx_.db().Prepare(fmt::format("INSERT OR REPLACE INTO task_bundles ({}) "
                                                      "VALUES (?, ?, ?, ?, ?, ?)",
                                                      kColumns)));
  BERTH_RETURN_IF_ERROR(upsert.BindAll(stored.ns, stored.container_id, stored.bundle_path,
                                       stored.shim_address, stored.shim_pid,
                                       ToUnixNanos(stored.created_at)));
  BERTH_RETURN_IF_ERROR(upsert.Run());
  return stored;
}

absl::StatusOr<TaskBundle> TaskBundleStore::Get(std::string_view ns,
                                                std::string_view container_id) {
  BERTH_RETURN_IF_ERROR(ValidateKey(ns, container_id));
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement stmt,
      tx_.db().Prepare(fmt::format(
          "SELECT {} FROM task_bundles WHERE namespace = ? AND container_id = ?", kColumns)));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(ns, container_id));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) {
    return NotFoundf("task bundle of container {:?} in namespace {:?}: not found", container_id,
                     ns);
  }
  return ReadRow(stmt);
}

absl::StatusOr<std::vector<TaskBundle>> TaskBundleStore::List(std::optional<std::string_view> ns) {
  if (ns) BERTH_RETURN_IF_ERROR(WithContext(ValidateContainerdId(*ns), "namespace"));
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement stmt,
      tx_.db().Prepare(fmt::format("SELECT {} FROM task_bundles {} ORDER BY namespace, "
                                   "container_id",
                                   kColumns, ns ? "WHERE namespace = ?" : "")));
  if (ns) BERTH_RETURN_IF_ERROR(stmt.BindAll(*ns));
  std::vector<TaskBundle> out;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadRow(stmt));
  }
  return out;
}

absl::Status TaskBundleStore::Delete(std::string_view ns, std::string_view container_id) {
  BERTH_RETURN_IF_ERROR(tx_.RequireWritable("delete task bundle"));
  BERTH_RETURN_IF_ERROR(ValidateKey(ns, container_id));
  BERTH_ASSIGN_OR_RETURN(
      sqlite::Statement del,
      tx_.db().Prepare("DELETE FROM task_bundles WHERE namespace = ? AND container_id = ?"));
  BERTH_RETURN_IF_ERROR(del.BindAll(ns, container_id));
  BERTH_RETURN_IF_ERROR(del.Run());
  if (tx_.db().Changes() == 0) {
    return NotFoundf("task bundle of container {:?} in namespace {:?}: not found", container_id,
                     ns);
  }
  return absl::OkStatus();
}

}  // namespace berth::containerd::metadata

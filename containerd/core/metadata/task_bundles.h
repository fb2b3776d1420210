// The daemon's own record of each task: where its bundle is and how to reach
// its shim. Written when a task is created, read on restart to reconnect to
// every shim, removed when the task is deleted. Durable like the rest of the
// metadata: a record that Put returned for survives a crash of the daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::metadata {

struct TaskBundle {
  std::string ns;  // namespace
  std::string container_id;
  std::string bundle_path;   // absolute
  std::string shim_address;  // e.g. unix:///run/berth/containerd/s/<hash>; empty until known
  int64_t shim_pid = 0;      // 0 until known
  Timestamp created_at;      // set by Put when left at the epoch

  bool operator==(const TaskBundle&) const = default;
};

// Task bundle records within one transaction, keyed by (ns, container_id).
class TaskBundleStore {
 public:
  explicit TaskBundleStore(Transaction& tx) : tx_(tx) {}

  // Inserts or replaces the record. The container must exist (NotFound
  // otherwise); InvalidArgument for bad ids, a relative or empty bundle path
  // or a negative pid. A zero created_at becomes the replaced record's, or
  // now. Returns the record as stored.
  absl::StatusOr<TaskBundle> Put(const TaskBundle& bundle);
  // NotFound if absent.
  absl::StatusOr<TaskBundle> Get(std::string_view ns, std::string_view container_id);
  // Every record (restart wants all namespaces), or those of `ns`; ordered
  // by namespace, then container id.
  absl::StatusOr<std::vector<TaskBundle>> List(std::optional<std::string_view> ns = std::nullopt);
  // NotFound if absent.
  absl::Status Delete(std::string_view ns, std::string_view container_id);

 private:
  Transaction& tx_;
};

}  // namespace berth::containerd::metadata

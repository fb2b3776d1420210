// Snapshotters (containerd core/snapshots/snapshotter.go): filesystem trees
// made of layers. A snapshot is active (writable, from Prepare), a view
// (read-only, from View) or committed (immutable, from Commit of an active
// one, and the only kind that can be a parent). Every call names its
// namespace; keys are unique per snapshotter and namespace.
//
//   auto mounts = sn->Prepare("default", "extract-1", "", {});   // empty layer
//   ... mount, unpack a layer, unmount ...
//   sn->Commit("default", "sha256:<chain id 1>", "extract-1", {});
//   mounts = sn->Prepare("default", "ctr-rootfs", "sha256:<chain id 1>", {});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/snapshots/mount.h"
#include "containerd/core/snapshots/records.h"

namespace berth::containerd::snapshots {

// Disk usage of a snapshot's own layer (not its parents').
struct Usage {
  int64_t size = 0;    // bytes of allocated blocks
  int64_t inodes = 0;  // hard links counted once

  bool operator==(const Usage&) const = default;
};

class Snapshotter {
 public:
  virtual ~Snapshotter() = default;

  // The name records and namespace errors use ("overlayfs", "native").
  virtual std::string_view name() const = 0;

  // A new active snapshot `key` on committed `parent` (empty: an empty
  // tree); returns the mounts of its writable tree.
  virtual absl::StatusOr<std::vector<Mount>> Prepare(std::string_view ns, std::string_view key,
                                                     std::string_view parent,
                                                     const Labels& labels) = 0;
  // A new read-only view `key` of committed `parent`.
  virtual absl::StatusOr<std::vector<Mount>> View(std::string_view ns, std::string_view key,
                                                  std::string_view parent,
                                                  const Labels& labels) = 0;
  // The mounts of an existing snapshot; a committed one is mounted read-only.
  virtual absl::StatusOr<std::vector<Mount>> Mounts(std::string_view ns, std::string_view key) = 0;
  // Commits active snapshot `key` as `name`; `key` no longer exists after.
  virtual absl::Status Commit(std::string_view ns, std::string_view name, std::string_view key,
                              const Labels& labels) = 0;
  // FailedPrecondition while it has children. Its directory goes after its
  // record; one left by a crash in between is removed by Cleanup.
  virtual absl::Status Remove(std::string_view ns, std::string_view key) = 0;
  virtual absl::StatusOr<Info> Stat(std::string_view ns, std::string_view key) = 0;
  virtual absl::StatusOr<snapshots::Usage> Usage(std::string_view ns, std::string_view key) = 0;
  // Filters (ORed) over name, parent, kind, labels.<key>.
  virtual absl::StatusOr<std::vector<Info>> List(std::string_view ns,
                                                 const std::vector<std::string>& filters) = 0;
  // Labels only: see SnapshotRecords::Update.
  virtual absl::StatusOr<Info> Update(std::string_view ns, const Info& info,
                                      const std::vector<std::string>& paths) = 0;
};

// The disk usage of the tree at `dir`: every entry lstat'ed (symlinks not
// followed, no other filesystem entered), blocks counted once per inode.
absl::StatusOr<snapshots::Usage> DiskUsage(const std::string& dir);

}  // namespace berth::containerd::snapshots

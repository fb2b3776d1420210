// The local volume driver and its store: <root>/volumes/<name>/_data plus
// <root>/volumes/<name>/volume.json (written tmp + fsync + rename), reloaded
// by Open so a daemon restart loses no volume. Thread-safe.
//
// References: a container holds a volume from Acquire (at create, and again
// when the daemon restarts) until Release (at remove). A volume with options
// (tmpfs, bind...) is mounted at its first reference and unmounted at its
// last, or on Remove.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engined/volumes/volume.h"
#include "engined/volumes/volume_filters.h"

namespace berth::engined::volumes {

class VolumeStore {
 public:
  // Opens (creating) <data_root>/volumes and loads every volume in it.
  static absl::StatusOr<std::unique_ptr<VolumeStore>> Open(const std::string& data_root);

  // Creates a volume, or returns the existing one of that name (the same
  // driver; another driver is 409 "volume name must be unique"). An empty
  // name makes an anonymous volume (random name, docker's anonymous label).
  // A driver other than "local" is 404 as docker's plugin lookup.
  absl::StatusOr<Volume> Create(const VolumeCreateOptions& options);
  // 404 "get NAME: no such volume".
  absl::StatusOr<Volume> Get(const std::string& name) const;
  // Filters: name, driver, label, dangling (400 for others).
  absl::StatusOr<std::vector<Volume>> List(const FilterArgs& filters) const;
  // 409 "remove NAME: volume is in use - [ID, ...]" while referenced, force
  // or not; with force a missing volume is not an error (as docker).
  absl::Status Remove(const std::string& name, bool force);
  // Removes unreferenced volumes. Filters: label, label!, all. Unless
  // `all_volumes` (API < 1.42, or filter all=true) only anonymous ones.
  absl::StatusOr<PruneReport> Prune(const FilterArgs& filters, bool anonymous_only);
  // Size and reference count of every volume (/system/df).
  absl::StatusOr<std::vector<VolumeUsage>> Usage() const;

  // Adds `container_id`'s reference (idempotent) and returns the host path to
  // bind into the container, mounting an option volume on first use.
  absl::StatusOr<std::string> Acquire(const std::string& name, const std::string& container_id);
  // Drops the reference; the last one unmounts an option volume. Releasing
  // what is not held is fine.
  absl::Status Release(const std::string& name, const std::string& container_id);
  std::vector<std::string> References(const std::string& name) const;

  const std::string& root() const { return root_; }

 private:
  struct Entry {
    Volume volume;
    std::set<std::string> refs;
    bool mounted = false;
  };

  explicit VolumeStore(std::string root) : root_(std::move(root)) {}
  absl::Status Load();
  std::string VolumeDir(const std::string& name) const;
  absl::Status RemoveLocked(const std::string& name);

  const std::string root_;  // <data_root>/volumes
  mutable std::mutex mu_;
  std::map<std::string, Entry> volumes_;
};

// Bytes of regular files under `path` (each inode once), not crossing
// into other filesystems' content beyond what lstat reports.
absl::StatusOr<int64_t> DirectorySize(const std::string& path);

}  // namespace berth::engined::volumes

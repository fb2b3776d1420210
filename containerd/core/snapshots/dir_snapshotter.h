// What the overlay and native snapshotters share: a record per snapshot in
// the metadata store and a directory ROOT/snapshots/<id> per record, kept in
// step so that a committed record never names a missing directory:
//
//   Prepare/View: build the directory under a temporary name, then in one
//                 transaction insert the record and rename the directory to
//                 its id; if the transaction fails the directory goes.
//   Remove:       delete the record, then the directory.
//
// A crash between the steps leaves a directory without a record, never the
// reverse; Cleanup (run by Open) removes those.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/snapshotter.h"

namespace berth::containerd::snapshots {

class DirSnapshotter : public Snapshotter {
 public:
  std::string_view name() const override { return name_; }

  absl::StatusOr<std::vector<Mount>> Prepare(std::string_view ns, std::string_view key,
                                             std::string_view parent,
                                             const Labels& labels) override;
  absl::StatusOr<std::vector<Mount>> View(std::string_view ns, std::string_view key,
                                          std::string_view parent, const Labels& labels) override;
  absl::StatusOr<std::vector<Mount>> Mounts(std::string_view ns, std::string_view key) override;
  absl::Status Commit(std::string_view ns, std::string_view name, std::string_view key,
                      const Labels& labels) override;
  absl::Status Remove(std::string_view ns, std::string_view key) override;
  absl::StatusOr<Info> Stat(std::string_view ns, std::string_view key) override;
  absl::StatusOr<snapshots::Usage> Usage(std::string_view ns, std::string_view key) override;
  absl::StatusOr<std::vector<Info>> List(std::string_view ns,
                                         const std::vector<std::string>& filters) override;
  absl::StatusOr<Info> Update(std::string_view ns, const Info& info,
                              const std::vector<std::string>& paths) override;

  // Removes every entry of ROOT/snapshots that is not the directory of one of
  // this snapshotter's records (crash leftovers, unfinished temporaries) and
  // returns their paths. Waits for running Prepare/View/Remove calls.
  absl::StatusOr<std::vector<std::string>> Cleanup();

  const std::string& root() const { return root_; }
  // ROOT/snapshots/<id>, and its fs subdirectory.
  std::string SnapshotDir(int64_t id) const;
  std::string FsDir(int64_t id) const;

 protected:
  DirSnapshotter(std::string name, std::string root, metadata::Store* store);
  // Creates ROOT/snapshots, registers the namespace usage check and runs
  // Cleanup: what every Open does.
  absl::Status Init();

  // Fills the new snapshot directory `dir` (created 0700, empty) for a
  // snapshot of `kind` whose ancestors' fs dirs are `parents`, closest first.
  virtual absl::Status Populate(const std::string& dir, Kind kind,
                                const std::vector<std::string>& parents) = 0;
  // The mounts of the snapshot in `dir`.
  virtual std::vector<Mount> MountsFor(const std::string& dir, Kind kind,
                                       const std::vector<std::string>& parents) const = 0;

 private:
  absl::StatusOr<std::vector<Mount>> Create(Kind kind, std::string_view ns, std::string_view key,
                                            std::string_view parent, const Labels& labels);
  std::vector<std::string> FsDirs(const std::vector<int64_t>& ids) const;

  const std::string name_;
  const std::string root_;
  metadata::Store* const store_;
  // Shared by calls that create or remove directories, exclusive for Cleanup.
  std::shared_mutex dirs_mu_;
};

}  // namespace berth::containerd::snapshots

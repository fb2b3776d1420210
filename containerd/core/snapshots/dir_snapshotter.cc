#include "containerd/core/snapshots/dir_snapshotter.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"

namespace berth::containerd::snapshots {
namespace {

bool IsId(std::string_view name) {
  return !name.empty() && name.size() < 19 && name[0] != '0' &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

DirSnapshotter::DirSnapshotter(std::string name, std::string root, metadata::Store* store)
    : name_(std::move(name)), root_(std::move(root)), store_(store) {}

std::string DirSnapshotter::SnapshotDir(int64_t id) const {
  return fmt::format("{}/snapshots/{}", root_, id);
}

std::string DirSnapshotter::FsDir(int64_t id) const { return SnapshotDir(id) + "/fs"; }

std::vector<std::string> DirSnapshotter::FsDirs(const std::vector<int64_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int64_t id : ids) out.push_back(FsDir(id));
  return out;
}

absl::Status DirSnapshotter::Init() {
  BERTH_RETURN_IF_ERROR(MkdirAll(root_ + "/snapshots", 0700));
  store_->AddNamespaceUsageCheck(SnapshotRecords::UsageCheck(name_));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> removed, Cleanup());
  for (const std::string& path : removed) {
    log::Infof("{} snapshotter: removed {}, which no snapshot owns", name_, path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Mount>> DirSnapshotter::Create(Kind kind, std::string_view ns,
                                                          std::string_view key,
                                                          std::string_view parent,
                                                          const Labels& labels) {
  std::shared_lock lock(dirs_mu_);
  // The parent chain, read first so the directory can be built outside the
  // write transaction (a native copy can take long).
  std::vector<int64_t> parent_ids;
  if (!parent.empty()) {
    BERTH_ASSIGN_OR_RETURN(Record p, store_->ViewValue([&](metadata::Transaction& tx) {
      return SnapshotRecords(tx, name_, std::string(ns)).Get(parent);
    }));
    if (p.info.kind != Kind::kCommitted) {
      return FailedPreconditionf("parent snapshot {:?} of {:?} is {}, not committed", parent, key,
                                 KindName(p.info.kind));
    }
    parent_ids.push_back(p.id);
    parent_ids.insert(parent_ids.end(), p.parent_ids.begin(), p.parent_ids.end());
  }

  std::string tmp = root_ + "/snapshots/new-XXXXXX";
  if (mkdtemp(tmp.data()) == nullptr) return ErrnoErrorf(errno, "create directory {}", tmp);
  std::string dir = tmp;  // where the directory is now, for the rollback
  absl::Status status = Populate(tmp, kind, FsDirs(parent_ids));
  std::vector<Mount> mounts;
  if (status.ok()) {
    status = store_->Update([&](metadata::Transaction& tx) -> absl::Status {
      BERTH_ASSIGN_OR_RETURN(
          Record r, SnapshotRecords(tx, name_, std::string(ns)).Create(kind, key, parent, labels));
      if (r.parent_ids != parent_ids) {
        return absl::AbortedError(
            fmt::format("snapshot {:?}: parent {:?} changed while it was prepared", key, parent));
      }
      std::string final_dir = SnapshotDir(r.id);
      if (rename(tmp.c_str(), final_dir.c_str()) != 0) {
        return ErrnoErrorf(errno, "rename {} to {}", tmp, final_dir);
      }
      dir = final_dir;
      mounts = MountsFor(final_dir, kind, FsDirs(parent_ids));
      return absl::OkStatus();
    });
  }
  if (!status.ok()) {
    absl::Status removed = RemoveAll(dir);
    if (!removed.ok()) log::Warnf("{} snapshotter: {}", name_, removed);
    std::string_view call = kind == Kind::kView ? "view" : "prepare";
    return WithContext(status, fmt::format("{} snapshot {:?}", call, key));
  }
  return mounts;
}

absl::StatusOr<std::vector<Mount>> DirSnapshotter::Prepare(std::string_view ns,
                                                           std::string_view key,
                                                           std::string_view parent,
                                                           const Labels& labels) {
  return Create(Kind::kActive, ns, key, parent, labels);
}

absl::StatusOr<std::vector<Mount>> DirSnapshotter::View(std::string_view ns, std::string_view key,
                                                        std::string_view parent,
                                                        const Labels& labels) {
  return Create(Kind::kView, ns, key, parent, labels);
}

absl::StatusOr<std::vector<Mount>> DirSnapshotter::Mounts(std::string_view ns,
                                                          std::string_view key) {
  BERTH_ASSIGN_OR_RETURN(Record r, store_->ViewValue([&](metadata::Transaction& tx) {
    return SnapshotRecords(tx, name_, std::string(ns)).Get(key);
  }));
  return MountsFor(SnapshotDir(r.id), r.info.kind, FsDirs(r.parent_ids));
}

absl::Status DirSnapshotter::Commit(std::string_view ns, std::string_view name,
                                    std::string_view key, const Labels& labels) {
  return store_->Update([&](metadata::Transaction& tx) {
    return SnapshotRecords(tx, name_, std::string(ns)).Commit(name, key, labels).status();
  });
}

absl::Status DirSnapshotter::Remove(std::string_view ns, std::string_view key) {
  std::shared_lock lock(dirs_mu_);
  BERTH_ASSIGN_OR_RETURN(int64_t id, store_->UpdateValue([&](metadata::Transaction& tx) {
    return SnapshotRecords(tx, name_, std::string(ns)).Remove(key);
  }));
  // The record is gone: a directory that fails to go now is an orphan for
  // Cleanup, not an error of this call (containerd logs it too).
  absl::Status removed = RemoveAll(SnapshotDir(id));
  if (!removed.ok()) log::Warnf("{} snapshotter: remove snapshot {:?}: {}", name_, key, removed);
  return absl::OkStatus();
}

absl::StatusOr<Info> DirSnapshotter::Stat(std::string_view ns, std::string_view key) {
  BERTH_ASSIGN_OR_RETURN(Record r, store_->ViewValue([&](metadata::Transaction& tx) {
    return SnapshotRecords(tx, name_, std::string(ns)).Get(key);
  }));
  return r.info;
}

absl::StatusOr<snapshots::Usage> DirSnapshotter::Usage(std::string_view ns, std::string_view key) {
  BERTH_ASSIGN_OR_RETURN(Record r, store_->ViewValue([&](metadata::Transaction& tx) {
    return SnapshotRecords(tx, name_, std::string(ns)).Get(key);
  }));
  absl::StatusOr<snapshots::Usage> usage = DiskUsage(FsDir(r.id));
  if (!usage.ok()) return WithContext(usage.status(), fmt::format("usage of snapshot {:?}", key));
  return usage;
}

absl::StatusOr<std::vector<Info>> DirSnapshotter::List(std::string_view ns,
                                                       const std::vector<std::string>& filters) {
  return store_->ViewValue([&](metadata::Transaction& tx) {
    return SnapshotRecords(tx, name_, std::string(ns)).List(filters);
  });
}

absl::StatusOr<Info> DirSnapshotter::Update(std::string_view ns, const Info& info,
                                            const std::vector<std::string>& paths) {
  return store_->UpdateValue([&](metadata::Transaction& tx) {
    return SnapshotRecords(tx, name_, std::string(ns)).Update(info, paths);
  });
}

absl::StatusOr<std::vector<std::string>> DirSnapshotter::Cleanup() {
  std::unique_lock lock(dirs_mu_);
  BERTH_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                         store_->ViewValue([&](metadata::Transaction& tx) {
                           return SnapshotRecords::AllIds(tx, name_);
                         }));
  std::set<std::string> owned;
  for (int64_t id : ids) owned.insert(std::to_string(id));

  std::string snapshots = root_ + "/snapshots";
  std::vector<std::string> orphans;
  DIR* dir = opendir(snapshots.c_str());
  if (dir == nullptr) return ErrnoErrorf(errno, "open directory {}", snapshots);
  for (;;) {
    errno = 0;
    dirent* e = readdir(dir);
    if (e == nullptr) {
      int err = errno;
      if (err != 0) {
        closedir(dir);
        return ErrnoErrorf(err, "read directory {}", snapshots);
      }
      break;
    }
    std::string_view entry = e->d_name;
    if (entry == "." || entry == "..") continue;
    if (IsId(entry) && owned.contains(std::string(entry))) continue;
    orphans.push_back(snapshots + "/" + e->d_name);
  }
  closedir(dir);
  std::sort(orphans.begin(), orphans.end());
  for (const std::string& path : orphans) {
    BERTH_RETURN_IF_ERROR(
        WithContext(RemoveAll(path), fmt::format("{} snapshotter cleanup", name_)));
  }
  return orphans;
}

}  // namespace berth::containerd::snapshots

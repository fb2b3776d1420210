// A snapshot's mounts on a fresh temporary directory for as long as the
// object lives (containerd's mount.WithTempMount): unmounted and removed
// when destroyed, so an error path never leaves a mount behind.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/snapshots/mount.h"

namespace berth::containerd::snapshots {

class TempMount {
 public:
  // Mounts `mounts` in order on a new directory `<root>/<prefix>-XXXXXX`
  // (`root` is created 0700 if missing). On failure nothing stays mounted
  // and the directory is gone.
  static absl::StatusOr<std::unique_ptr<TempMount>> Create(const std::string& root,
                                                           const std::vector<Mount>& mounts,
                                                           const std::string& prefix = "mount");
  ~TempMount();
  TempMount(const TempMount&) = delete;
  TempMount& operator=(const TempMount&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit TempMount(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool mounted_ = false;
};

// Unmounts and removes every directory TempMount left under `root` (a
// process that died holding one); what cannot be is logged and kept. A
// missing `root` is fine.
absl::Status CleanTempMounts(const std::string& root);

// A copy of `mounts` that mounts read-only ("ro" added where missing).
std::vector<Mount> ReadOnly(std::vector<Mount> mounts);

}  // namespace berth::containerd::snapshots

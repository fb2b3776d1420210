#include "containerd/core/snapshots/native.h"

#include <sys/stat.h>

#include <utility>

#include "common/status.h"
#include "containerd/core/snapshots/copy.h"

namespace berth::containerd::snapshots {

NativeSnapshotter::NativeSnapshotter(std::string root, metadata::Store* store)
    : DirSnapshotter(std::string(kNativeSnapshotter), std::move(root), store) {}

absl::StatusOr<std::unique_ptr<NativeSnapshotter>> NativeSnapshotter::Open(const std::string& root,
                                                                           metadata::Store* store) {
  std::unique_ptr<NativeSnapshotter> sn(new NativeSnapshotter(root, store));
  BERTH_RETURN_IF_ERROR(WithContext(sn->Init(), "open native snapshotter"));
  return sn;
}

absl::Status NativeSnapshotter::Populate(const std::string& dir, Kind kind,
                                         const std::vector<std::string>& parents) {
  (void)kind;
  std::string fs = dir + "/fs";
  if (mkdir(fs.c_str(), 0755) != 0) return ErrnoErrorf(errno, "create directory {}", fs);
  if (chmod(fs.c_str(), 0755) != 0) return ErrnoErrorf(errno, "chmod {}", fs);
  if (parents.empty()) return absl::OkStatus();
  return CopyTree(parents.front(), fs);
}

std::vector<Mount> NativeSnapshotter::MountsFor(const std::string& dir, Kind kind,
                                                const std::vector<std::string>& parents) const {
  (void)parents;
  return {Mount{"bind", dir + "/fs", "", {kind == Kind::kActive ? "rw" : "ro", "rbind"}}};
}

}  // namespace berth::containerd::snapshots

#include "containerd/core/differ/mounts.h"

#include "common/status.h"

namespace berth::containerd::differ {

std::string MountOption(const snapshots::Mount& m, std::string_view name) {
  std::string prefix = std::string(name) + "=";
  for (const std::string& o : m.options) {
    if (o.starts_with(prefix)) return o.substr(prefix.size());
  }
  return "";
}

bool HasMountOption(const snapshots::Mount& m, std::string_view option) {
  for (const std::string& o : m.options) {
    if (o == option) return true;
  }
  return false;
}

bool IsSingleBind(const std::vector<snapshots::Mount>& mounts) {
  return mounts.size() == 1 && mounts[0].type == "bind";
}

bool IsSingleOverlayWithUpper(const std::vector<snapshots::Mount>& mounts) {
  return mounts.size() == 1 && mounts[0].type == "overlay" &&
         !MountOption(mounts[0], "upperdir").empty();
}

absl::StatusOr<std::string> TreeOf(const std::vector<snapshots::Mount>& mounts,
                                   const std::string& mount_root, bool read_only,
                                   std::unique_ptr<snapshots::TempMount>* temp) {
  if (mounts.empty()) return InvalidArgumentf("no mounts");
  for (const snapshots::Mount& m : mounts) {
    if (m.type.empty()) return InvalidArgumentf("mount of {:?} without a type", m.source);
  }
  if (IsSingleBind(mounts)) {
    if (mounts[0].source.empty() || mounts[0].source.front() != '/') {
      return InvalidArgumentf("bind mount source {:?} is not an absolute path", mounts[0].source);
    }
    return mounts[0].source;
  }
  BERTH_ASSIGN_OR_RETURN(*temp,
                         snapshots::TempMount::Create(
                             mount_root, read_only ? snapshots::ReadOnly(mounts) : mounts, "diff"));
  return (*temp)->path();
}

}  // namespace berth::containerd::differ

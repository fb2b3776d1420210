#include "containerd/runtime/bundle.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "common/file_util.h"
#include "common/id.h"
#include "common/status.h"

namespace berth::containerd {
namespace {

// True when `path` is the root of a mount (bind mounts of the same
// filesystem included, which st_dev cannot tell).
bool IsMountPoint(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0) {
    return false;
  }
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

}  // namespace

absl::StatusOr<Bundle> CreateBundle(const std::string& state_dir, const std::string& ns,
                                    const std::string& id, const std::string& spec_json) {
  BERTH_RETURN_IF_ERROR(ValidateContainerdId(ns));
  BERTH_RETURN_IF_ERROR(ValidateContainerdId(id));
  Bundle bundle{ns, id, JoinPath(JoinPath(state_dir, ns), id)};
  BERTH_RETURN_IF_ERROR(MkdirAll(JoinPath(state_dir, ns), 0711));
  if (::mkdir(bundle.path.c_str(), 0711) < 0) {
    if (errno == EEXIST) return AlreadyExistsf("bundle {}: already exists", bundle.path);
    return ErrnoErrorf(errno, "mkdir {}", bundle.path);
  }
  absl::Status written = MkdirAll(JoinPath(bundle.path, "rootfs"), 0711);
  if (written.ok()) {
    written = WriteFileAtomic(JoinPath(bundle.path, "config.json"), spec_json, 0600,
                              Durability::kProcessCrash);
  }
  if (!written.ok()) {
    RemoveAll(bundle.path).IgnoreError();
    return written;
  }
  return bundle;
}

absl::StatusOr<std::vector<Bundle>> ListBundles(const std::string& state_dir) {
  std::vector<Bundle> bundles;
  std::error_code ec;
  if (!std::filesystem::exists(state_dir, ec)) return bundles;
  for (const auto& ns_dir : std::filesystem::directory_iterator(state_dir, ec)) {
    if (!ns_dir.is_directory() || !ValidateContainerdId(ns_dir.path().filename().string()).ok()) {
      continue;
    }
    for (const auto& dir : std::filesystem::directory_iterator(ns_dir.path(), ec)) {
      std::string id = dir.path().filename().string();
      if (dir.is_directory() && ValidateContainerdId(id).ok()) {
        bundles.push_back({ns_dir.path().filename().string(), id, dir.path().string()});
      }
    }
  }
  if (ec) return ErrnoErrorf(ec.value(), "list bundles in {}", state_dir);
  std::sort(bundles.begin(), bundles.end(), [](const Bundle& a, const Bundle& b) {
    return std::tie(a.ns, a.id) < std::tie(b.ns, b.id);
  });
  return bundles;
}

absl::Status DeleteBundle(const Bundle& bundle) {
  std::string rootfs = JoinPath(bundle.path, "rootfs");
  for (int i = 0; i < 16 && IsMountPoint(rootfs); ++i) {
    if (::umount2(rootfs.c_str(), MNT_DETACH) < 0) return ErrnoErrorf(errno, "unmount {}", rootfs);
  }
  if (IsMountPoint(rootfs))
    return FailedPreconditionf("bundle {}: rootfs still mounted", bundle.path);
  return RemoveAll(bundle.path);
}

}  // namespace berth::containerd

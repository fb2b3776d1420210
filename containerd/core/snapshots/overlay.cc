#include "containerd/core/snapshots/overlay.h"

#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <utility>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::snapshots {
namespace {

absl::Status MakeDir(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0) return ErrnoErrorf(errno, "create directory {}", path);
  // The umask does not get a say.
  if (chmod(path.c_str(), mode) != 0) return ErrnoErrorf(errno, "chmod {}", path);
  return absl::OkStatus();
}

Mount Bind(const std::string& source, bool read_only) {
  return Mount{"bind", source, "", {read_only ? "ro" : "rw", "rbind"}};
}

}  // namespace

OverlaySnapshotter::OverlaySnapshotter(std::string root, metadata::Store* store, bool index_off)
    : DirSnapshotter(std::string(kOverlaySnapshotter), std::move(root), store),
      index_off_(index_off) {}

absl::StatusOr<std::unique_ptr<OverlaySnapshotter>> OverlaySnapshotter::Open(
    const std::string& root, metadata::Store* store) {
  bool index_off = PathExists("/sys/module/overlay/parameters/index");
  std::unique_ptr<OverlaySnapshotter> sn(new OverlaySnapshotter(root, store, index_off));
  BERTH_RETURN_IF_ERROR(WithContext(sn->Init(), "open overlayfs snapshotter"));
  return sn;
}

absl::Status OverlaySnapshotter::Populate(const std::string& dir, Kind kind,
                                          const std::vector<std::string>& parents) {
  (void)parents;
  BERTH_RETURN_IF_ERROR(MakeDir(dir + "/fs", 0755));
  if (kind == Kind::kActive) BERTH_RETURN_IF_ERROR(MakeDir(dir + "/work", 0700));
  return absl::OkStatus();
}

std::vector<Mount> OverlaySnapshotter::MountsFor(const std::string& dir, Kind kind,
                                                 const std::vector<std::string>& parents) const {
  std::string fs = dir + "/fs";
  std::vector<std::string> lower = parents;
  if (kind == Kind::kActive) {
    if (lower.empty()) return {Bind(fs, /*read_only=*/false)};
  } else {
    if (kind == Kind::kCommitted) lower.insert(lower.begin(), fs);
    if (lower.empty()) return {Bind(fs, /*read_only=*/true)};
    if (lower.size() == 1) return {Bind(lower[0], /*read_only=*/true)};
  }
  Mount m{"overlay", "overlay", "", {}};
  if (index_off_) m.options.push_back("index=off");
  if (kind == Kind::kActive) {
    m.options.push_back("workdir=" + dir + "/work");
    m.options.push_back("upperdir=" + fs);
  }
  m.options.push_back("lowerdir=" + Join(lower, ":"));
  return {m};
}

bool OverlaySupported(const std::string& dir) {
  std::string tmp = dir + "/overlay-check-XXXXXX";
  if (mkdtemp(tmp.data()) == nullptr) return false;
  bool ok = true;
  for (const char* sub : {"/lower", "/upper", "/work", "/merged"}) {
    ok = ok && mkdir((tmp + sub).c_str(), 0700) == 0;
  }
  if (ok) {
    std::string data = fmt::format("lowerdir={0}/lower,upperdir={0}/upper,workdir={0}/work", tmp);
    std::string merged = tmp + "/merged";
    ok = mount("overlay", merged.c_str(), "overlay", 0, data.c_str()) == 0;
    if (ok) ok = umount2(merged.c_str(), MNT_DETACH) == 0;
  }
  (void)RemoveAll(tmp);
  return ok;
}

}  // namespace berth::containerd::snapshots

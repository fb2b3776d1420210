#include "containerd/core/snapshots/temp_mount.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/logger.h"
#include "common/status.h"

namespace berth::containerd::snapshots {

absl::StatusOr<std::unique_ptr<TempMount>> TempMount::Create(const std::string& root,
                                                             const std::vector<Mount>& mounts,
                                                             const std::string& prefix) {
  if (mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoErrorf(errno, "mkdir {}", root);
  }
  std::string tmpl = root + "/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return ErrnoErrorf(errno, "mkdtemp {}", tmpl);
  // From here the destructor removes the directory, and unmounts once
  // mounted_ is set; MountAll undoes its own partial work.
  std::unique_ptr<TempMount> m(new TempMount(tmpl));
  BERTH_RETURN_IF_ERROR(MountAll(mounts, tmpl));
  m->mounted_ = true;
  return m;
}

TempMount::~TempMount() {
  if (mounted_) {
    absl::Status s = UnmountAll(path_);
    if (!s.ok()) {
      log::Warnf("unmount {}: {}", path_, std::string(s.message()));
      return;  // never remove a directory that may still show a snapshot
    }
  }
  if (rmdir(path_.c_str()) != 0) log::Warnf("remove {}: {}", path_, strerror(errno));
}

absl::Status CleanTempMounts(const std::string& root) {
  DIR* dir = opendir(root.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoErrorf(errno, "open {}", root);
  }
  std::vector<std::string> names;
  while (struct dirent* d = readdir(dir)) {
    std::string name = d->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  for (const std::string& name : names) {
    std::string path = root + "/" + name;
    // Only what was surely unmounted is removed (rmdir never deletes what
    // a mount still shows); the rest is reported and kept.
    absl::Status s = UnmountAll(path);
    if (!s.ok()) {
      log::Warnf("leftover temporary mount {}: {}", path, std::string(s.message()));
      continue;
    }
    if (rmdir(path.c_str()) != 0) {
      log::Warnf("leftover temporary mount {}: rmdir: {}", path, strerror(errno));
      continue;
    }
    log::Infof("removed leftover temporary mount {}", path);
  }
  return absl::OkStatus();
}

std::vector<Mount> ReadOnly(std::vector<Mount> mounts) {
  for (Mount& m : mounts) {
    std::erase(m.options, "rw");
    if (std::find(m.options.begin(), m.options.end(), "ro") == m.options.end()) {
      m.options.push_back("ro");
    }
  }
  return mounts;
}

}  // namespace berth::containerd::snapshots

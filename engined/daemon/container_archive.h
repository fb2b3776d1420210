// docker cp and docker export over a container's files (moby's
// daemon/archive.go): stat a path, tar it, extract a tar into a directory,
// tar the whole filesystem, and list the changes against the image.
// Transport-free: the HTTP routes (api/container_archive_routes.cc) stream
// what these produce and consume.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/diff/diff.h"
#include "engined/daemon/container_changes.h"
#include "engined/daemon/container_manager.h"
#include "engined/daemon/path_stat.h"
#include "engined/daemon/tree_tar.h"

namespace berth::engined {

struct ExtractOptions {
  bool copy_uid_gid = false;              // own everything as the container's user
  bool no_overwrite_dir_non_dir = false;  // docker's noOverwriteDirNonDir
};

class ContainerArchive {
 public:
  explicit ContainerArchive(ContainerManager& containers) : containers_(containers) {}

  // HEAD /containers/{ref}/archive?path=PATH. NotFound "Could not find the
  // file PATH in container REF" when there is nothing at PATH.
  absl::StatusOr<PathStat> Stat(const std::string& ref, const std::string& path);
  // GET: the stat (given to `on_stat` before the first byte), then the tar,
  // its entries named by PATH's base name (moby's rebase).
  absl::Status Archive(const std::string& ref, const std::string& path,
                       const std::function<void(const PathStat&)>& on_stat, const TarSink& sink);
  // PUT: the tar from `read` extracted into the directory PATH (symlinks on
  // the way followed inside the container).
  absl::Status Extract(const std::string& ref, const std::string& path,
                       const ExtractOptions& options, const containerd::diff::LayerSource& read);
  // GET /containers/{ref}/export: the snapshot's files (no volumes).
  absl::Status Export(const std::string& ref, const TarSink& sink);
  // GET /containers/{ref}/changes.
  absl::StatusOr<std::vector<Change>> Changes(const std::string& ref);

 private:
  std::string ScratchDir(const std::string& id) const;

  ContainerManager& containers_;
};

// Resolves `abs` (absolute, clean) inside the root open at `root_fd` as if
// it were "/", following every symlink (".." never climbs above the root;
// a missing component ends the evaluation, as moby's FollowSymlinkInScope
// does for broken links). Returns the absolute resolved path.
absl::StatusOr<std::string> FollowSymlinkInScope(int root_fd, const std::string& abs);

// lstat of `abs` (moby's absPath: a trailing "/" or "/." makes the last
// symlink followed) inside the root, with the link target resolved.
// NotFound (with the errno) when missing.
absl::StatusOr<PathStat> StatInRoot(int root_fd, const std::string& abs);

}  // namespace berth::engined

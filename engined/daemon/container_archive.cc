#include "engined/daemon/container_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "containerd/core/diff/fs_at.h"
#include "engined/daemon/container_fs.h"
#include "engined/daemon/rootfs_mount.h"
#include "engined/spec/user.h"

namespace berth::engined {
namespace {

namespace diff = containerd::diff;

// "/etc/." -> "etc/.", "/" -> ".": openat2 takes it relative to the root.
std::string RelOf(const std::string& abs) {
  size_t start = abs.find_first_not_of('/');
  return start == std::string::npos ? "." : abs.substr(start);
}

bool IsMissing(const absl::Status& s) {
  std::optional<int> err = ErrnoOf(s);
  return s.code() == absl::StatusCode::kNotFound || err == ENOENT || err == ENOTDIR;
}

absl::Status FileNotFound(const std::string& path, const std::string& ref) {
  return NotFoundf("Could not find the file {} in container {}", path, ref);
}

// docker answers 500 for what is neither a missing file nor a bad request.
absl::Status System(const absl::Status& s) {
  if (s.ok() || s.code() == absl::StatusCode::kInvalidArgument ||
      s.code() == absl::StatusCode::kNotFound) {
    return s;
  }
  return absl::Status(absl::StatusCode::kInternal, s.message());
}

// Whether docker would let a copy write at `abs`: a volume's own mode wins,
// then the container's ReadonlyRootfs.
absl::Status CheckWritable(const Container& c, const std::string& abs) {
  const nlohmann::json* best = nullptr;
  size_t best_len = 0;
  if (c.mounts.is_array()) {
    for (const nlohmann::json& m : c.mounts) {
      std::string dest = m.value("Destination", "");
      if (dest.empty()) continue;
      bool inside = abs == dest || dest == "/" || abs.starts_with(dest + "/");
      if (inside && dest.size() >= best_len) {
        best = &m;
        best_len = dest.size();
      }
    }
  }
  if (best != nullptr) {
    if (best->value("RW", true)) return absl::OkStatus();
    return InvalidArgumentf("mounted volume is marked read-only");
  }
  auto ro = c.host_config.find("ReadonlyRootfs");
  if (ro != c.host_config.end() && ro->is_boolean() && ro->get<bool>()) {
    return InvalidArgumentf("container rootfs is marked read-only");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> FollowSymlinkInScope(int root_fd, const std::string& abs) {
  std::deque<std::string> todo;
  for (const std::string& part : SplitToStrings(abs, '/', true)) todo.push_back(part);
  std::string resolved;  // "" is "/"
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      resolved.erase(resolved.empty() ? 0 : resolved.rfind('/'));
      continue;
    }
    std::string candidate = resolved;
    candidate.append("/").append(part);
    absl::StatusOr<UniqueFd> dir = diff::OpenInRoot(root_fd, RelOf(resolved), O_PATH | O_DIRECTORY);
    if (!dir.ok() && !IsMissing(dir.status())) return dir.status();
    char target[4096];
    ssize_t n = dir.ok() ? readlinkat(dir->get(), part.c_str(), target, sizeof(target)) : -1;
    if (n < 0) {
      // Not a symlink, or missing: taken as it is.
      resolved = std::move(candidate);
      continue;
    }
    if (++links > 255) return InvalidArgumentf("too many links in {}", abs);
    std::string link(target, static_cast<size_t>(n));
    if (link.starts_with("/")) resolved.clear();
    std::vector<std::string> parts = SplitToStrings(link, '/', true);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return resolved.empty() ? std::string("/") : resolved;
}

absl::StatusOr<PathStat> StatInRoot(int root_fd, const std::string& abs) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, diff::OpenInRoot(root_fd, RelOf(abs), O_PATH | O_NOFOLLOW));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoErrorf(errno, "stat {}", abs);
  PathStat stat{GoBase(abs), st.st_size, GoFileMode(st.st_mode), st.st_mtim, ""};
  if (S_ISLNK(st.st_mode)) {
    BERTH_ASSIGN_OR_RETURN(stat.link_target, FollowSymlinkInScope(root_fd, CleanPath(abs)));
  }
  return stat;
}

std::string ContainerArchive::ScratchDir(const std::string& id) const {
  return containers_.store().Dir(id);
}

absl::StatusOr<PathStat> ContainerArchive::Stat(const std::string& ref, const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers_.Get(ref));
  absl::StatusOr<ContainerFs> fs = ContainerFs::Open(
      containers_.containerd(), entry, ScratchDir(entry->c.id), ContainerFs::Access::kRead);
  if (!fs.ok()) return System(fs.status());
  absl::StatusOr<PathStat> stat = StatInRoot(fs->root_fd(), ContainerAbsPath(path));
  if (!stat.ok() && IsMissing(stat.status())) return FileNotFound(path, ref);
  if (!stat.ok()) return System(stat.status());
  return stat;
}

absl::Status ContainerArchive::Archive(const std::string& ref, const std::string& path,
                                       const std::function<void(const PathStat&)>& on_stat,
                                       const TarSink& sink) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers_.Get(ref));
  absl::StatusOr<ContainerFs> fs = ContainerFs::Open(
      containers_.containerd(), entry, ScratchDir(entry->c.id), ContainerFs::Access::kRead);
  if (!fs.ok()) return System(fs.status());
  const std::string abs = ContainerAbsPath(path);
  absl::StatusOr<PathStat> stat = StatInRoot(fs->root_fd(), abs);
  if (!stat.ok() && IsMissing(stat.status())) return FileNotFound(path, ref);
  if (!stat.ok()) return System(stat.status());

  // moby names the entries after the path's base name ("etc", "." for
  // "/etc/.", none for "/"), whatever a symlink on the way resolved to.
  std::string prefix = GoBase(abs);
  if (prefix == "/") prefix.clear();
  // A directory is written from itself ("."), anything else from its parent.
  bool is_dir = (stat->mode & kGoModeDir) != 0;
  auto [parent, name] = is_dir ? std::make_pair(RelOf(abs), std::string("."))
                               : diff::SplitParent(RelOf(CleanPath(abs)));
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir,
                         diff::OpenInRoot(fs->root_fd(), parent, O_PATH | O_DIRECTORY));
  struct stat st;
  if (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return System(ErrnoErrorf(errno, "stat {}", abs));
  }
  on_stat(*stat);
  // moby logs the event once the tar is ready to stream.
  containers_.EmitEvent("archive-path", entry->c.id);
  return System(WriteTarOfEntry(dir.get(), name, st, prefix, sink));
}

absl::Status ContainerArchive::Extract(const std::string& ref, const std::string& path,
                                       const ExtractOptions& options,
                                       const diff::LayerSource& read) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers_.Get(ref));
  Container c;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    c = entry->c;
  }
  absl::StatusOr<ContainerFs> fs = ContainerFs::Open(containers_.containerd(), entry,
                                                     ScratchDir(c.id), ContainerFs::Access::kWrite);
  if (!fs.ok()) return System(fs.status());
  // The last component is followed too: a symlink to a directory is a
  // fine place to extract to.
  BERTH_ASSIGN_OR_RETURN(std::string resolved,
                         FollowSymlinkInScope(fs->root_fd(), CleanPath("/" + path)));
  absl::StatusOr<UniqueFd> dir = diff::OpenInRoot(fs->root_fd(), RelOf(resolved), O_PATH);
  if (!dir.ok() && IsMissing(dir.status())) return FileNotFound(path, ref);
  if (!dir.ok()) return System(dir.status());
  struct stat st;
  if (fstat(dir->get(), &st) != 0) return System(ErrnoErrorf(errno, "stat {}", resolved));
  if (!S_ISDIR(st.st_mode)) return InvalidArgumentf("extraction point is not a directory");
  BERTH_RETURN_IF_ERROR(CheckWritable(c, resolved));

  diff::ApplyOptions apply;
  apply.whiteouts = diff::WhiteoutMode::kNone;
  apply.allow_devices = true;
  apply.no_overwrite_dir_non_dir = options.no_overwrite_dir_non_dir;
  std::string user = c.config.value("User", "");
  // As moby: without copyUIDGID, or with it for a container without a
  // User, the tar's owners are kept; with both, every entry is owned by
  // the User as the container's own /etc files resolve it.
  if (options.copy_uid_gid && !user.empty()) {
    BERTH_ASSIGN_OR_RETURN(
        apply.owner, spec::ResolveCopyOwner(fmt::format("/proc/self/fd/{}", fs->root_fd()), user));
  }
  absl::StatusOr<diff::ApplyResult> applied = diff::ApplyLayerFrom(read, dir->get(), apply);
  if (!applied.ok()) {
    // An error reading the body is the client's; a bad tar is a bad request.
    if (applied.status().code() == absl::StatusCode::kDataLoss) {
      return absl::InvalidArgumentError(applied.status().message());
    }
    return System(applied.status());
  }
  containers_.EmitEvent("extract-to-dir", c.id);
  return absl::OkStatus();
}

absl::Status ContainerArchive::Export(const std::string& ref, const TarSink& sink) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers_.Get(ref));
  absl::StatusOr<ContainerFs> fs =
      ContainerFs::OpenSnapshot(containers_.containerd(), entry, ScratchDir(entry->c.id));
  if (!fs.ok()) return System(fs.status());
  BERTH_RETURN_IF_ERROR(System(WriteTarOfTree(fs->root_fd(), sink)));
  containers_.EmitEvent("export", entry->c.id);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Change>> ContainerArchive::Changes(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(ContainerRef entry, containers_.Get(ref));
  std::string id;
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    id = entry->c.id;
  }
  absl::StatusOr<ctrpb::Mount> mount = SnapshotMount(containers_.containerd(), id);
  if (!mount.ok()) return System(mount.status());
  absl::StatusOr<SnapshotLayers> layers = LayersOf(*mount);
  if (!layers.ok()) return System(layers.status());
  absl::StatusOr<std::vector<Change>> changes = OverlayChanges(layers->upper, layers->lowers);
  if (!changes.ok()) return System(changes.status());
  return changes;
}

}  // namespace berth::engined

#include "engined/daemon/container_changes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <set>

#include "common/status.h"
#include "common/unique_fd.h"
#include "containerd/core/diff/fs_at.h"

namespace berth::engined {
namespace {

namespace diff = containerd::diff;

// docker's initlayer.Setup paths (daemon/initlayer), with their subtrees.
bool InInitLayer(const std::string& path) {
  static const std::set<std::string> kPaths = {"/.dockerenv", "/dev",      "/etc/hostname",
                                               "/etc/hosts",  "/etc/mtab", "/etc/resolv.conf",
                                               "/proc",       "/sys"};
  for (std::string p = path; !p.empty(); p.erase(p.rfind('/'))) {
    if (kPaths.contains(p)) return true;
  }
  return false;
}

// Directories holding init-layer entries: their mtime says nothing.
bool HoldsInitLayer(const std::string& path) { return path == "/etc"; }

bool IsWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

// The lower layers, opened once; lookups resolve inside each one.
class Lowers {
 public:
  static absl::StatusOr<Lowers> Open(const std::vector<std::string>& dirs) {
    Lowers lowers;
    for (const std::string& dir : dirs) {
      int fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return ErrnoErrorf(errno, "open lower layer {}", dir);
      lowers.fds_.emplace_back(fd);
    }
    return lowers;
  }

  // The topmost lower entry at `rel` (relative, clean), if one exists and
  // no layer above it whited it out.
  absl::StatusOr<std::optional<struct stat>> Find(const std::string& rel) const {
    auto [parent, base] = diff::SplitParent(rel);
    for (const UniqueFd& layer : fds_) {
      absl::StatusOr<UniqueFd> dir = diff::OpenInRoot(layer.get(), parent, O_PATH | O_DIRECTORY);
      if (!dir.ok()) {
        std::optional<int> err = ErrnoOf(dir.status());
        if (err == ENOENT || err == ENOTDIR) continue;
        return dir.status();
      }
      struct stat st;
      if (fstatat(dir->get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) continue;
        return ErrnoErrorf(errno, "stat {} in a lower layer", rel);
      }
      if (IsWhiteout(st)) return std::optional<struct stat>();
      return std::optional<struct stat>(st);
    }
    return std::optional<struct stat>();
  }

 private:
  std::vector<UniqueFd> fds_;
};

bool IsOpaque(int dir_fd) {
  char value[2];
  ssize_t n = fgetxattr(dir_fd, "trusted.overlay.opaque", value, sizeof(value));
  return n == 1 && value[0] == 'y';
}

bool SameTime(const struct timespec& a, const struct timespec& b) {
  // moby's sameFsTime: equal, or equal seconds when one side lost the
  // nanoseconds.
  return a.tv_sec == b.tv_sec && (a.tv_nsec == b.tv_nsec || a.tv_nsec == 0 || b.tv_nsec == 0);
}

class Walker {
 public:
  explicit Walker(const Lowers& lowers) : lowers_(lowers) {}

  absl::Status Walk(int dir_fd, const std::string& rel_dir) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, diff::ListDir(dir_fd));
    for (const std::string& name : names) {
      std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
      if (InInitLayer("/" + rel)) continue;
      struct stat st;
      if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return ErrnoErrorf(errno, "stat {}", rel);
      }
      UniqueFd child;
      if (S_ISDIR(st.st_mode)) {
        int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return ErrnoErrorf(errno, "open {}", rel);
        child = UniqueFd(fd);
      }
      BERTH_RETURN_IF_ERROR(Visit(rel, st, child.get()));
      if (child.ok()) BERTH_RETURN_IF_ERROR(Walk(child.get(), rel));
    }
    return absl::OkStatus();
  }

  std::vector<Change> Take() { return std::move(changes_); }

 private:
  absl::Status Visit(const std::string& rel, const struct stat& st, int dir_fd) {
    std::string path = "/" + rel;
    Change change{path, ChangeKind::kAdd};
    BERTH_ASSIGN_OR_RETURN(std::optional<struct stat> lower, lowers_.Find(rel));
    if (IsWhiteout(st) || (dir_fd >= 0 && IsOpaque(dir_fd) && lower.has_value())) {
      change.kind = ChangeKind::kDelete;
    } else if (lower.has_value()) {
      if (S_ISDIR(st.st_mode) && S_ISDIR(lower->st_mode) && st.st_size == lower->st_size &&
          st.st_mode == lower->st_mode &&
          (HoldsInitLayer(path) || SameTime(st.st_mtim, lower->st_mtim))) {
        return absl::OkStatus();  // only a parent of changes, reported with them
      }
      change.kind = ChangeKind::kModify;
    }
    if (S_ISDIR(st.st_mode)) changed_dirs_.insert(path);
    if (change.kind != ChangeKind::kModify) {
      std::string parent = path.substr(0, path.rfind('/'));
      if (!parent.empty() && changed_dirs_.insert(parent).second) {
        changes_.push_back({parent, ChangeKind::kModify});
      }
    }
    changes_.push_back(std::move(change));
    return absl::OkStatus();
  }

  const Lowers& lowers_;
  std::set<std::string> changed_dirs_;
  std::vector<Change> changes_;
};

}  // namespace

absl::StatusOr<std::vector<Change>> OverlayChanges(const std::string& upper,
                                                   const std::vector<std::string>& lowers) {
  BERTH_ASSIGN_OR_RETURN(Lowers layers, Lowers::Open(lowers));
  int fd = open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open upper dir {}", upper);
  UniqueFd root(fd);
  Walker walker(layers);
  BERTH_RETURN_IF_ERROR(WithContext(walker.Walk(root.get(), ""), "changes of " + upper));
  return walker.Take();
}

nlohmann::json ChangesJson(const std::vector<Change>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const Change& c : changes) {
    out.push_back({{"Path", c.path}, {"Kind", static_cast<int>(c.kind)}});
  }
  return out;
}

}  // namespace berth::engined

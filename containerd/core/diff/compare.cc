// WriteLayerFromDiff: a double walk of two trees (containerd's
// continuity fs.Changes over two directories), feeding a LayerWriter.
// Directories that did not change themselves wait on a stack and are
// written only when something below them is.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/diff/fs_at.h"
#include "containerd/core/diff/layer_writer.h"

namespace berth::containerd::diff {
namespace {

constexpr size_t kChunk = 64 * 1024;

absl::StatusOr<std::map<std::string, std::string>> Xattrs(int dir_fd, const std::string& name) {
  std::map<std::string, std::string> out;
  std::string path = ProcPathAt(dir_fd, name);
  ssize_t n = llistxattr(path.c_str(), nullptr, 0);
  if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP)) return out;
  if (n < 0) return ErrnoErrorf(errno, "list xattrs of {}", name);
  std::string names(static_cast<size_t>(n), '\0');
  n = llistxattr(path.c_str(), names.data(), names.size());
  if (n < 0) return ErrnoErrorf(errno, "list xattrs of {}", name);
  names.resize(static_cast<size_t>(n));
  for (size_t start = 0; start < names.size();) {
    size_t end = names.find('\0', start);
    if (end == std::string::npos) end = names.size();
    std::string key = names.substr(start, end - start);
    start = end + 1;
    if (key.empty()) continue;
    ssize_t size = lgetxattr(path.c_str(), key.c_str(), nullptr, 0);
    if (size < 0) return ErrnoErrorf(errno, "get xattr {} of {}", key, name);
    std::string value(static_cast<size_t>(size), '\0');
    size = lgetxattr(path.c_str(), key.c_str(), value.data(), value.size());
    if (size < 0) return ErrnoErrorf(errno, "get xattr {} of {}", key, name);
    value.resize(static_cast<size_t>(size));
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

absl::StatusOr<bool> SameContent(int lower_dir, int upper_dir, const std::string& name) {
  int a = openat(lower_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (a < 0) return ErrnoErrorf(errno, "open lower {}", name);
  UniqueFd lower(a);
  int b = openat(upper_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (b < 0) return ErrnoErrorf(errno, "open upper {}", name);
  UniqueFd upper(b);
  std::vector<char> x(kChunk), y(kChunk);
  for (off_t offset = 0;; offset += static_cast<off_t>(kChunk)) {
    ssize_t n = pread(lower.get(), x.data(), kChunk, offset);
    if (n < 0) return ErrnoErrorf(errno, "read lower {}", name);
    ssize_t m = pread(upper.get(), y.data(), kChunk, offset);
    if (m < 0) return ErrnoErrorf(errno, "read upper {}", name);
    if (n != m || memcmp(x.data(), y.data(), static_cast<size_t>(n)) != 0) return false;
    if (n == 0) return true;
  }
}

absl::StatusOr<std::string> LinkTarget(int dir_fd, const std::string& name, off_t size) {
  std::string target(static_cast<size_t>(size) + 1, '\0');
  ssize_t n = readlinkat(dir_fd, name.c_str(), target.data(), target.size());
  if (n < 0) return ErrnoErrorf(errno, "readlink {}", name);
  target.resize(static_cast<size_t>(n));
  return target;
}

// Whether `name` is the same in both directories, as containerd's
// sameFile: owner, mode, device, xattrs; for non-directories also size and
// mtime, and the content (or link target) when both mtimes lack
// nanoseconds, as copies through tar or coarse filesystems leave them.
// Directories also compare mtimes: one whose entries changed is written.
absl::StatusOr<bool> Same(int lower_dir, const struct stat& l, int upper_dir, const struct stat& u,
                          const std::string& name) {
  if (l.st_mode != u.st_mode || l.st_uid != u.st_uid || l.st_gid != u.st_gid ||
      l.st_rdev != u.st_rdev) {
    return false;
  }
  if (l.st_mtim.tv_sec != u.st_mtim.tv_sec) return false;
  bool coarse = l.st_mtim.tv_nsec == 0 && u.st_mtim.tv_nsec == 0;
  if (!coarse && l.st_mtim.tv_nsec != u.st_mtim.tv_nsec) return false;
  BERTH_ASSIGN_OR_RETURN(auto lx, Xattrs(lower_dir, name));
  BERTH_ASSIGN_OR_RETURN(auto ux, Xattrs(upper_dir, name));
  if (lx != ux) return false;
  if (S_ISDIR(u.st_mode)) return true;
  if (l.st_size != u.st_size) return false;
  if (S_ISLNK(u.st_mode)) {
    BERTH_ASSIGN_OR_RETURN(std::string lt, LinkTarget(lower_dir, name, l.st_size));
    BERTH_ASSIGN_OR_RETURN(std::string ut, LinkTarget(upper_dir, name, u.st_size));
    return lt == ut;
  }
  if (S_ISREG(u.st_mode) && coarse && u.st_size > 0) return SameContent(lower_dir, upper_dir, name);
  return true;
}

absl::StatusOr<UniqueFd> OpenDir(int dir_fd, const std::string& name, const std::string& rel) {
  int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", rel);
  return UniqueFd(fd);
}

class TreeDiffer {
 public:
  explicit TreeDiffer(LayerWriter& writer) : writer_(writer) {}

  // Compares the directory `rel_dir` (`lower_fd` -1: absent below, so
  // everything in `upper_fd` is new); `upper_st` is the upper directory's.
  absl::Status Walk(int lower_fd, int upper_fd, const std::string& rel_dir,
                    const struct stat& upper_st);

 private:
  // An unchanged directory written only if something below it is.
  struct Pending {
    int dir_fd;  // its parent's, open for as long as it is pending
    std::string name;
    std::string rel;
    struct stat st;
  };

  absl::Status Flush();
  absl::Status Added(int upper_fd, const std::string& name, const std::string& rel,
                     const struct stat& st);

  LayerWriter& writer_;
  std::vector<Pending> pending_;
};

absl::Status TreeDiffer::Flush() {
  for (const Pending& p : pending_) {
    BERTH_RETURN_IF_ERROR(WithContext(writer_.Add(p.dir_fd, p.name, p.rel, p.st), p.rel));
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status TreeDiffer::Added(int upper_fd, const std::string& name, const std::string& rel,
                               const struct stat& st) {
  BERTH_RETURN_IF_ERROR(Flush());
  BERTH_RETURN_IF_ERROR(WithContext(writer_.Add(upper_fd, name, rel, st), rel));
  if (!S_ISDIR(st.st_mode)) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(UniqueFd child, OpenDir(upper_fd, name, rel));
  return Walk(-1, child.get(), rel, st);
}

absl::Status TreeDiffer::Walk(int lower_fd, int upper_fd, const std::string& rel_dir,
                              const struct stat& upper_st) {
  std::vector<std::string> lower_names;
  if (lower_fd >= 0) {
    BERTH_ASSIGN_OR_RETURN(lower_names, ListDir(lower_fd));
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> upper_names, ListDir(upper_fd));
  const std::string prefix = rel_dir.empty() ? "" : rel_dir + "/";
  size_t i = 0, j = 0;
  while (i < lower_names.size() || j < upper_names.size()) {
    bool take_lower =
        j == upper_names.size() || (i < lower_names.size() && lower_names[i] < upper_names[j]);
    bool take_upper =
        i == lower_names.size() || (j < upper_names.size() && upper_names[j] < lower_names[i]);
    if (take_lower) {
      // Gone: a whiteout, dated like the directory that lost it.
      BERTH_RETURN_IF_ERROR(Flush());
      BERTH_RETURN_IF_ERROR(writer_.AddMarker(prefix + ".wh." + lower_names[i++], upper_st));
      continue;
    }
    const std::string& name = upper_names[j++];
    const std::string rel = prefix + name;
    struct stat u;
    if (fstatat(upper_fd, name.c_str(), &u, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoErrorf(errno, "stat upper {}", rel);
    }
    if (take_upper) {
      BERTH_RETURN_IF_ERROR(Added(upper_fd, name, rel, u));
      continue;
    }
    ++i;  // in both
    struct stat l;
    if (fstatat(lower_fd, name.c_str(), &l, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoErrorf(errno, "stat lower {}", rel);
    }
    if ((l.st_mode & S_IFMT) != (u.st_mode & S_IFMT)) {
      // Another type replaces it whole; a new directory brings all it holds.
      BERTH_RETURN_IF_ERROR(Added(upper_fd, name, rel, u));
      continue;
    }
    absl::StatusOr<bool> compared = Same(lower_fd, l, upper_fd, u, name);
    if (!compared.ok()) return WithContext(compared.status(), rel);
    const bool same = *compared;
    if (!S_ISDIR(u.st_mode)) {
      if (!same) {
        BERTH_RETURN_IF_ERROR(Flush());
        BERTH_RETURN_IF_ERROR(WithContext(writer_.Add(upper_fd, name, rel, u), rel));
      }
      continue;
    }
    BERTH_ASSIGN_OR_RETURN(UniqueFd lower_child, OpenDir(lower_fd, name, rel));
    BERTH_ASSIGN_OR_RETURN(UniqueFd upper_child, OpenDir(upper_fd, name, rel));
    size_t depth = pending_.size();
    if (same) {
      pending_.push_back({upper_fd, name, rel, u});
    } else {
      BERTH_RETURN_IF_ERROR(Flush());
      BERTH_RETURN_IF_ERROR(WithContext(writer_.Add(upper_fd, name, rel, u), rel));
    }
    BERTH_RETURN_IF_ERROR(Walk(lower_child.get(), upper_child.get(), rel, u));
    // Nothing below changed: it was never written.
    if (pending_.size() > depth) pending_.resize(depth);
  }
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> OpenRoot(const std::string& path, std::string_view what) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {} dir {}", what, path);
  return UniqueFd(fd);
}

}  // namespace

absl::StatusOr<LayerDigests> WriteLayerFromDiff(const std::string& lower, const std::string& upper,
                                                const LayerSink& sink, Compression compression) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd lower_fd, OpenRoot(lower, "lower"));
  BERTH_ASSIGN_OR_RETURN(UniqueFd upper_fd, OpenRoot(upper, "upper"));
  struct stat upper_st;
  if (fstat(upper_fd.get(), &upper_st) != 0) return ErrnoErrorf(errno, "stat {}", upper);
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<LayerWriter> writer, LayerWriter::Open(sink, compression));
  TreeDiffer differ(*writer);
  BERTH_RETURN_IF_ERROR(WithContext(differ.Walk(lower_fd.get(), upper_fd.get(), "", upper_st),
                                    fmt::format("diff {} against {}", upper, lower)));
  return writer->Close();
}

}  // namespace berth::containerd::diff

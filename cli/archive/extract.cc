#include "cli/archive/extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "cli/archive/fs_at.h"
#include "common/file_util.h"
#include "common/status.h"

namespace berth::cli::archive {
namespace {

struct DirTimes {
  std::string rel;
  TarEntry entry;
};

// `name` as a clean relative path, or an error when it leaves the root.
absl::StatusOr<std::string> CleanName(const std::string& name, const std::string& dest) {
  if (name.empty() || name.find('\0') != std::string::npos) {
    return InvalidArgumentf("invalid tar entry name {:?}", name);
  }
  std::string clean = CleanPath(name);
  if (clean.starts_with("/")) {
    return InvalidArgumentf("{:?} is an absolute name, refused in {:?}", name, dest);
  }
  if (clean == ".." || clean.starts_with("../")) {
    return InvalidArgumentf("{:?} is outside of {:?}", name, dest);
  }
  return clean;
}

// Whether a symlink `target` at `rel` stays under the root, judged lexically
// as docker does (an absolute target counts as under the root).
bool SymlinkInside(const std::string& rel, const std::string& target) {
  std::string parent = SplitParent(rel).first;
  std::string joined = CleanPath(target.starts_with("/") ? "." + target : parent + "/" + target);
  return joined != ".." && !joined.starts_with("../");
}

absl::Status SetTimes(int dir_fd, const std::string& base, const TarEntry& e, int flags) {
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = e.mtime;
  ts[0].tv_nsec = ts[1].tv_nsec = e.mtime_nsec;
  if (utimensat(dir_fd, base.c_str(), ts, flags) != 0) {
    return ErrnoErrorf(errno, "set times of {}", base);
  }
  return absl::OkStatus();
}

absl::Status WriteData(TarReader& reader, int fd, const std::string& path) {
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::string piece, reader.ReadData());
    if (piece.empty()) return absl::OkStatus();
    size_t off = 0;
    while (off < piece.size()) {
      ssize_t n = write(fd, piece.data() + off, piece.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoErrorf(errno, "write {}", path);
      off += static_cast<size_t>(n);
    }
  }
}

class Extractor {
 public:
  Extractor(TarReader& reader, std::string dest, const ExtractOptions& options, int root)
      : reader_(reader), dest_(std::move(dest)), options_(options), root_(root) {}

  absl::Status Run() {
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(std::optional<TarEntry> entry, reader_.Next());
      if (!entry) break;
      BERTH_RETURN_IF_ERROR(One(*entry));
    }
    // Directory times last: creating their entries changed them.
    for (const DirTimes& d : dirs_) {
      auto [parent, base] = SplitParent(d.rel);
      if (d.rel == ".") {
        BERTH_RETURN_IF_ERROR(SetTimes(root_, ".", d.entry, 0));
        continue;
      }
      BERTH_ASSIGN_OR_RETURN(UniqueFd dir, OpenInRoot(root_, parent, O_PATH | O_DIRECTORY));
      BERTH_RETURN_IF_ERROR(SetTimes(dir.get(), base, d.entry, AT_SYMLINK_NOFOLLOW));
    }
    return absl::OkStatus();
  }

 private:
  std::string Full(const std::string& rel) const { return JoinPath(dest_, rel); }

  absl::Status One(TarEntry& e) {
    e.name = RebaseName(e.name, options_.rebases);
    BERTH_ASSIGN_OR_RETURN(std::string rel, CleanName(e.name, dest_));
    bool is_dir = e.type == TarType::kDirectory;
    if (rel == ".") {
      if (!is_dir) {
        return FailedPreconditionf("cannot overwrite directory {:?} with non-directory {:?}", dest_,
                                   dest_);
      }
      return absl::OkStatus();  // the destination itself is merged, as docker does
    }
    auto [parent, base] = SplitParent(rel);
    BERTH_ASSIGN_OR_RETURN(UniqueFd dir, MkdirAllInRoot(root_, parent));
    struct stat st;
    bool exists = fstatat(dir.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists) {
      bool was_dir = S_ISDIR(st.st_mode);
      if (was_dir && !is_dir) {
        return FailedPreconditionf("cannot overwrite directory {:?} with non-directory {:?}",
                                   Full(rel), dest_);
      }
      if (!was_dir && is_dir) {
        return FailedPreconditionf("cannot overwrite non-directory {:?} with directory {:?}",
                                   Full(rel), dest_);
      }
      if (!was_dir) BERTH_RETURN_IF_ERROR(RemoveAllAt(dir.get(), base));
    }
    switch (e.type) {
      case TarType::kDirectory:
        if (!exists && mkdirat(dir.get(), base.c_str(), 0700) != 0) {
          return ErrnoErrorf(errno, "mkdir {}", Full(rel));
        }
        break;
      case TarType::kRegular: {
        int fd = openat(dir.get(), base.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) return ErrnoErrorf(errno, "create {}", Full(rel));
        UniqueFd file(fd);
        BERTH_RETURN_IF_ERROR(WriteData(reader_, fd, Full(rel)));
        break;
      }
      case TarType::kSymlink:
        if (!SymlinkInside(rel, e.link_name)) {
          return InvalidArgumentf("invalid symlink {:?} -> {:?}", Full(rel), e.link_name);
        }
        if (symlinkat(e.link_name.c_str(), dir.get(), base.c_str()) != 0) {
          return ErrnoErrorf(errno, "symlink {}", Full(rel));
        }
        return SetTimes(dir.get(), base, e, AT_SYMLINK_NOFOLLOW);
      case TarType::kHardlink: {
        absl::StatusOr<std::string> target =
            CleanName(RebaseName(e.link_name, options_.rebases), dest_);
        if (!target.ok() || *target == ".") {
          return InvalidArgumentf("invalid hardlink {:?} -> {:?}", Full(rel), e.link_name);
        }
        auto [tparent, tbase] = SplitParent(*target);
        BERTH_ASSIGN_OR_RETURN(UniqueFd tdir, OpenInRoot(root_, tparent, O_PATH | O_DIRECTORY));
        if (linkat(tdir.get(), tbase.c_str(), dir.get(), base.c_str(), 0) != 0) {
          return ErrnoErrorf(errno, "link {} to {}", Full(rel), e.link_name);
        }
        return absl::OkStatus();
      }
      case TarType::kChar:
      case TarType::kBlock:
        if (geteuid() != 0) {
          if (options_.warn)
            options_.warn("skipping device " + Full(rel) + ": not running as root");
          return absl::OkStatus();
        }
        [[fallthrough]];
      case TarType::kFifo: {
        mode_t type = e.type == TarType::kChar    ? S_IFCHR
                      : e.type == TarType::kBlock ? S_IFBLK
                                                  : S_IFIFO;
        if (mknodat(dir.get(), base.c_str(), type | 0600, makedev(e.dev_major, e.dev_minor)) != 0) {
          return ErrnoErrorf(errno, "mknod {}", Full(rel));
        }
        break;
      }
    }
    if (fchmodat(dir.get(), base.c_str(), e.mode & 07777, 0) != 0) {
      return ErrnoErrorf(errno, "chmod {}", Full(rel));
    }
    if (is_dir) {
      dirs_.push_back({rel, e});
      return absl::OkStatus();
    }
    return SetTimes(dir.get(), base, e, AT_SYMLINK_NOFOLLOW);
  }

  TarReader& reader_;
  std::string dest_;
  const ExtractOptions& options_;
  int root_;
  std::vector<DirTimes> dirs_;
};

}  // namespace

absl::Status ExtractTar(TarReader& reader, const std::string& dest_dir,
                        const ExtractOptions& options) {
  int fd = open(dest_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open {}", dest_dir);
  UniqueFd root(fd);
  return Extractor(reader, dest_dir, options, root.get()).Run();
}

}  // namespace berth::cli::archive

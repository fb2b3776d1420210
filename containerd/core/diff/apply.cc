// ApplyLayer: two libarchive readers in a pipe. The first reads the
// descriptor (hashing the bytes as they come: the layer digest), detects and
// undoes gzip or zstd, and hands out the stream with the raw format; the
// second reads tar from it (hashing again: the diff_id). After the tar's end
// the rest of both streams is drained into the hashes, as containerd does.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/logger.h"
#include "common/status.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/diff/digest.h"
#include "containerd/core/diff/fs_at.h"

namespace berth::containerd::diff {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";
constexpr size_t kBufferSize = 128 * 1024;

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

std::string ArchiveMessage(struct archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "libarchive error";
}

// The compressed side: the caller's stream (a descriptor or an HTTP body).
struct StreamSource {
  const LayerSource* read;
  Sha256* hash;
  std::vector<char> buffer = std::vector<char>(kBufferSize);
};

la_ssize_t ReadSource(struct archive* a, void* client, const void** out) {
  auto* source = static_cast<StreamSource*>(client);
  absl::StatusOr<size_t> n = (*source->read)(source->buffer.data(), source->buffer.size());
  if (!n.ok()) {
    archive_set_error(a, ErrnoOf(n.status()).value_or(EIO), "%s",
                      std::string(n.status().message()).c_str());
    return -1;
  }
  source->hash->Update({source->buffer.data(), *n});
  *out = source->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

LayerSource FdReader(int fd) {
  return [fd](char* buf, size_t n) -> absl::StatusOr<size_t> {
    for (;;) {
      ssize_t got = read(fd, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return ErrnoErrorf(errno, "read layer");
    }
  };
}

// The uncompressed side: data of the first reader's single raw entry.
struct PipeSource {
  struct archive* decompressor;
  Sha256* hash;
  std::vector<char> buffer = std::vector<char>(kBufferSize);
  std::string error;  // the decompressor's, if it failed
};

la_ssize_t ReadDecompressed(struct archive* a, void* client, const void** out) {
  auto* pipe = static_cast<PipeSource*>(client);
  la_ssize_t n = archive_read_data(pipe->decompressor, pipe->buffer.data(), pipe->buffer.size());
  if (n < 0) {
    pipe->error = ArchiveMessage(pipe->decompressor);
    archive_set_error(a, EIO, "%s", pipe->error.c_str());
    return -1;
  }
  pipe->hash->Update({pipe->buffer.data(), static_cast<size_t>(n)});
  *out = pipe->buffer.data();
  return n;
}

bool IsUnsupported(int err) { return err == ENOTSUP || err == EOPNOTSUPP; }

class Applier {
 public:
  Applier(int root_fd, const ApplyOptions& options, struct archive* tar)
      : root_fd_(root_fd), options_(options), tar_(tar) {}

  absl::Status Entry(struct archive_entry* entry);
  // Directory mtimes, set once nothing more is written below them.
  absl::Status Finish();

 private:
  absl::Status Whiteout(const std::string& parent, const std::string& base);
  absl::Status RemoveNotUnpacked(int dir_fd, const std::string& rel_dir);
  absl::Status WriteData(int fd);
  absl::Status SetMetadata(int dir_fd, const std::string& rel, const std::string& base,
                           struct archive_entry* entry, mode_t type);
  absl::Status SetXattrs(int dir_fd, const std::string& base, struct archive_entry* entry,
                         mode_t type);

  int root_fd_;
  const ApplyOptions& options_;
  struct archive* tar_;
  // Paths (relative, clean) this layer has written: an opaque whiteout in
  // delete mode keeps these and removes the rest.
  std::set<std::string> unpacked_;
  struct DirTimes {
    std::string rel;
    struct timespec times[2];
  };
  std::vector<DirTimes> dir_times_;
};

absl::Status Applier::Entry(struct archive_entry* entry) {
  const char* raw_name = archive_entry_pathname(entry);
  if (raw_name == nullptr) return InvalidArgumentf("entry without a name");
  BERTH_ASSIGN_OR_RETURN(std::string rel, CleanEntryName(raw_name));
  const char* hardlink = archive_entry_hardlink(entry);
  mode_t type = hardlink != nullptr ? AE_IFREG : archive_entry_filetype(entry);

  if (rel == ".") {
    // "./" in some layers: the root is the caller's, leave it as it is.
    if (type == AE_IFDIR) return absl::OkStatus();
    return InvalidArgumentf("entry names the root itself");
  }
  auto [parent, base] = SplitParent(rel);
  if (base.starts_with(kWhiteoutPrefix) && options_.whiteouts != WhiteoutMode::kNone) {
    return Whiteout(parent, base);
  }

  if ((type == AE_IFCHR || type == AE_IFBLK) && !options_.allow_devices) {
    return InvalidArgumentf("device node not allowed (allow_devices is off)");
  }
  if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFCHR &&
      type != AE_IFBLK && type != AE_IFIFO) {
    return InvalidArgumentf("unsupported entry type {:o}", type);
  }

  BERTH_ASSIGN_OR_RETURN(UniqueFd dir, MkdirAllInRoot(root_fd_, parent));
  const char* name = base.c_str();
  struct stat st;
  bool exists = fstatat(dir.get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT) return ErrnoErrorf(errno, "stat {}", rel);
  if (exists && options_.no_overwrite_dir_non_dir && S_ISDIR(st.st_mode) != (type == AE_IFDIR)) {
    return absl::UnknownError(
        S_ISDIR(st.st_mode)
            ? fmt::format("cannot overwrite directory {:?} with non-directory", "/" + rel)
            : fmt::format("cannot overwrite non-directory {:?} with directory", "/" + rel));
  }
  // Everything is replaced except a directory by a directory, which merges.
  if (exists && !(S_ISDIR(st.st_mode) && type == AE_IFDIR)) {
    BERTH_RETURN_IF_ERROR(RemoveAllAt(dir.get(), base));
    exists = false;
  }
  unpacked_.insert(rel);

  if (hardlink != nullptr) {
    absl::StatusOr<std::string> target = CleanEntryName(hardlink);
    if (!target.ok()) return WithContext(target.status(), "hardlink target");
    if (*target == ".") return InvalidArgumentf("hardlink to the root");
    auto [target_parent, target_base] = SplitParent(*target);
    absl::StatusOr<UniqueFd> target_dir = OpenInRoot(root_fd_, target_parent, O_PATH | O_DIRECTORY);
    if (!target_dir.ok()) return WithContext(target_dir.status(), "hardlink target");
    // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
    if (linkat(target_dir->get(), target_base.c_str(), dir.get(), name, 0) != 0) {
      return ErrnoErrorf(errno, "link {} to {}", rel, *target);
    }
    return absl::OkStatus();  // the inode has its metadata already
  }

  switch (type) {
    case AE_IFREG: {
      int fd = openat(dir.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) return ErrnoErrorf(errno, "create {}", rel);
      UniqueFd file(fd);
      BERTH_RETURN_IF_ERROR(WriteData(file.get()));
      break;
    }
    case AE_IFDIR:
      if (!exists && mkdirat(dir.get(), name, 0700) != 0)
        return ErrnoErrorf(errno, "mkdir {}", rel);
      break;
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(entry);
      if (target == nullptr || *target == '\0') return InvalidArgumentf("symlink without a target");
      if (symlinkat(target, dir.get(), name) != 0) return ErrnoErrorf(errno, "symlink {}", rel);
      break;
    }
    default: {
      dev_t dev = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
      if (mknodat(dir.get(), name, type | 0600, type == AE_IFIFO ? 0 : dev) != 0) {
        return ErrnoErrorf(errno, "mknod {}", rel);
      }
      break;
    }
  }
  return SetMetadata(dir.get(), rel, base, entry, type);
}

absl::Status Applier::WriteData(int fd) {
  const void* block;
  size_t size;
  la_int64_t offset;
  la_int64_t end = 0;
  for (;;) {
    int r = archive_read_data_block(tar_, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return absl::DataLossError(ArchiveMessage(tar_));
    const char* p = static_cast<const char*>(block);
    while (size > 0) {
      ssize_t n = pwrite(fd, p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoErrorf(errno, "write");
      }
      p += n;
      size -= static_cast<size_t>(n);
      offset += n;
    }
    end = std::max(end, offset);
  }
  // Sparse files: the holes at the end count toward the size.
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoErrorf(errno, "fstat");
  if (st.st_size < end && ftruncate(fd, end) != 0) return ErrnoErrorf(errno, "truncate");
  return absl::OkStatus();
}

absl::Status Applier::SetMetadata(int dir_fd, const std::string& rel, const std::string& base,
                                  struct archive_entry* entry, mode_t type) {
  const char* name = base.c_str();
  auto uid = static_cast<uid_t>(archive_entry_uid(entry));
  auto gid = static_cast<gid_t>(archive_entry_gid(entry));
  if (options_.owner.has_value()) std::tie(uid, gid) = *options_.owner;
  if (fchownat(dir_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoErrorf(errno, "chown {}:{}", uid, gid);
  }
  // After chown, which clears set-id bits. Symlink modes mean nothing on
  // Linux; every other type was just created here, so following is moot.
  if (type != AE_IFLNK && fchmodat(dir_fd, name, archive_entry_perm(entry) & 07777, 0) != 0) {
    return ErrnoErrorf(errno, "chmod");
  }
  BERTH_RETURN_IF_ERROR(SetXattrs(dir_fd, base, entry, type));

  struct timespec times[2];
  times[1].tv_sec = archive_entry_mtime(entry);
  times[1].tv_nsec = archive_entry_mtime_nsec(entry);
  if (archive_entry_atime_is_set(entry)) {
    times[0].tv_sec = archive_entry_atime(entry);
    times[0].tv_nsec = archive_entry_atime_nsec(entry);
  } else {
    times[0] = times[1];
  }
  if (type == AE_IFDIR) {
    dir_times_.push_back({rel, {times[0], times[1]}});
    return absl::OkStatus();
  }
  if (utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoErrorf(errno, "set times");
  }
  return absl::OkStatus();
}

absl::Status Applier::SetXattrs(int dir_fd, const std::string& base, struct archive_entry* entry,
                                mode_t type) {
  if (archive_entry_xattr_reset(entry) == 0) return absl::OkStatus();
  // lsetxattr through /proc/self/fd/<dir>/<base>: resolves from the
  // directory already opened inside the root, and never follows `base`.
  std::string path = ProcPathAt(dir_fd, base);
  const char* key;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(entry, &key, &value, &size) == ARCHIVE_OK) {
    if (lsetxattr(path.c_str(), key, value, size, 0) == 0) continue;
    int err = errno;
    std::string_view k = key;
    // Not supported by the filesystem; security.* refused (an LSM, or no
    // CAP_SYS_ADMIN); user.* on what the kernel forbids it for (symlinks,
    // devices): skipped, as containerd does. Anything else fails the entry.
    bool user_not_allowed =
        err == EPERM && k.starts_with("user.") && type != AE_IFREG && type != AE_IFDIR;
    if (IsUnsupported(err) || (err == EPERM && k.starts_with("security.")) || user_not_allowed) {
      log::Warnf("layer entry {}: ignored xattr {}: {}", archive_entry_pathname(entry), k,
                 strerror(err));
      continue;
    }
    return ErrnoErrorf(err, "set xattr {}", k);
  }
  return absl::OkStatus();
}

absl::Status Applier::Whiteout(const std::string& parent, const std::string& base) {
  if (base == kOpaqueWhiteout) {
    BERTH_ASSIGN_OR_RETURN(UniqueFd created, MkdirAllInRoot(root_fd_, parent));
    BERTH_ASSIGN_OR_RETURN(UniqueFd dir, OpenInRoot(root_fd_, parent, O_RDONLY | O_DIRECTORY));
    if (options_.whiteouts == WhiteoutMode::kOverlay) {
      if (fsetxattr(dir.get(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
        return ErrnoErrorf(errno, "set trusted.overlay.opaque on {}", parent);
      }
      return absl::OkStatus();
    }
    return RemoveNotUnpacked(dir.get(), parent);
  }
  std::string target = base.substr(kWhiteoutPrefix.size());
  if (target.empty() || target == "." || target == "..") {
    return InvalidArgumentf("invalid whiteout {:?}", base);
  }
  std::string rel = parent == "." ? target : parent + "/" + target;
  if (options_.whiteouts == WhiteoutMode::kOverlay) {
    BERTH_ASSIGN_OR_RETURN(UniqueFd dir, MkdirAllInRoot(root_fd_, parent));
    BERTH_RETURN_IF_ERROR(RemoveAllAt(dir.get(), target));
    if (mknodat(dir.get(), target.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
      return ErrnoErrorf(errno, "mknod whiteout {}", rel);
    }
    if (fchownat(dir.get(), target.c_str(), 0, 0, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoErrorf(errno, "chown whiteout {}", rel);
    }
    return absl::OkStatus();
  }
  absl::StatusOr<UniqueFd> dir = OpenInRoot(root_fd_, parent, O_PATH | O_DIRECTORY);
  if (!dir.ok()) {
    // Nothing there to delete.
    if (ErrnoOf(dir.status()) == ENOENT) return absl::OkStatus();
    return dir.status();
  }
  unpacked_.erase(rel);
  return WithContext(RemoveAllAt(dir->get(), target), "whiteout");
}

absl::Status Applier::RemoveNotUnpacked(int dir_fd, const std::string& rel_dir) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir_fd));
  for (const std::string& name : names) {
    std::string rel = rel_dir == "." ? name : rel_dir + "/" + name;
    if (!unpacked_.contains(rel)) {
      BERTH_RETURN_IF_ERROR(RemoveAllAt(dir_fd, name));
      continue;
    }
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoErrorf(errno, "stat {}", rel);
    }
    if (!S_ISDIR(st.st_mode)) continue;
    int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoErrorf(errno, "open {}", rel);
    UniqueFd child(fd);
    BERTH_RETURN_IF_ERROR(RemoveNotUnpacked(child.get(), rel));
  }
  return absl::OkStatus();
}

absl::Status Applier::Finish() {
  // Deepest first does not matter: setting a directory's times does not
  // touch its parent's.
  for (const DirTimes& dir : dir_times_) {
    auto [parent, base] = SplitParent(dir.rel);
    absl::StatusOr<UniqueFd> fd = OpenInRoot(root_fd_, parent, O_PATH | O_DIRECTORY);
    // Removed again later in the layer (a whiteout): nothing to do.
    if (!fd.ok() && ErrnoOf(fd.status()) == ENOENT) continue;
    if (!fd.ok()) return WithContext(fd.status(), dir.rel);
    if (utimensat(fd->get(), base.c_str(), dir.times, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno != ENOENT) {
      return ErrnoErrorf(errno, "set times of {}", dir.rel);
    }
  }
  return absl::OkStatus();
}

Compression CompressionOf(struct archive* a) {
  if (archive_filter_count(a) <= 1) return Compression::kNone;
  switch (archive_filter_code(a, 0)) {
    case ARCHIVE_FILTER_GZIP:
      return Compression::kGzip;
    case ARCHIVE_FILTER_ZSTD:
      return Compression::kZstd;
    default:
      return Compression::kNone;
  }
}

}  // namespace

const char* CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

absl::StatusOr<ApplyResult> ApplyLayer(int layer_fd, const std::string& root,
                                       const ApplyOptions& options) {
  int fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open layer root {}", root);
  UniqueFd root_fd(fd);
  return ApplyLayerFrom(FdReader(layer_fd), root_fd.get(), options);
}

absl::StatusOr<ApplyResult> ApplyLayerFrom(const LayerSource& read, int root_fd,
                                           const ApplyOptions& options) {
  BERTH_ASSIGN_OR_RETURN(Sha256 compressed_hash, Sha256::New());
  BERTH_ASSIGN_OR_RETURN(Sha256 tar_hash, Sha256::New());

  ArchivePtr decompressor(archive_read_new());
  ArchivePtr tar(archive_read_new());
  if (!decompressor || !tar) return Internalf("archive_read_new failed");
  StreamSource source{.read = &read, .hash = &compressed_hash};
  if (archive_read_support_filter_gzip(decompressor.get()) != ARCHIVE_OK ||
      archive_read_support_filter_zstd(decompressor.get()) != ARCHIVE_OK ||
      archive_read_support_format_raw(decompressor.get()) != ARCHIVE_OK ||
      archive_read_open(decompressor.get(), &source, nullptr, ReadSource, nullptr) != ARCHIVE_OK) {
    return absl::DataLossError("read layer: " + ArchiveMessage(decompressor.get()));
  }
  struct archive_entry* raw_entry;
  int r = archive_read_next_header(decompressor.get(), &raw_entry);
  if (r == ARCHIVE_EOF) return absl::DataLossError("read layer: empty stream");
  if (r < ARCHIVE_WARN) {
    return absl::DataLossError("read layer: " + ArchiveMessage(decompressor.get()));
  }
  ApplyResult result;
  result.compression = CompressionOf(decompressor.get());

  PipeSource pipe{.decompressor = decompressor.get(), .hash = &tar_hash};
  if (archive_read_support_format_tar(tar.get()) != ARCHIVE_OK ||
      archive_read_open(tar.get(), &pipe, nullptr, ReadDecompressed, nullptr) != ARCHIVE_OK) {
    return absl::DataLossError(
        fmt::format("read {} layer: {}", CompressionName(result.compression),
                    pipe.error.empty() ? ArchiveMessage(tar.get()) : pipe.error));
  }

  Applier applier(root_fd, options, tar.get());
  std::string last = "(start)";
  for (;;) {
    struct archive_entry* entry;
    r = archive_read_next_header(tar.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      return absl::DataLossError(
          fmt::format("read {} layer at uncompressed offset {} after entry {:?}: {}",
                      CompressionName(result.compression), tar_hash.size(), last,
                      pipe.error.empty() ? ArchiveMessage(tar.get()) : pipe.error));
    }
    const char* name = archive_entry_pathname(entry);
    last = name != nullptr ? name : "";
    absl::Status status = applier.Entry(entry);
    if (!status.ok()) {
      if (!pipe.error.empty()) status = absl::DataLossError(pipe.error);
      return WithContext(status, fmt::format("layer entry {:?}", last));
    }
  }
  BERTH_RETURN_IF_ERROR(applier.Finish());

  // Whatever follows the end-of-archive blocks still counts in both digests.
  std::vector<char> buffer(kBufferSize);
  for (;;) {
    la_ssize_t n = archive_read_data(decompressor.get(), buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      return absl::DataLossError(fmt::format("read {} layer after the tar's end: {}",
                                             CompressionName(result.compression),
                                             ArchiveMessage(decompressor.get())));
    }
    tar_hash.Update({buffer.data(), static_cast<size_t>(n)});
  }
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(size_t n, read(buffer.data(), buffer.size()));
    if (n == 0) break;
    compressed_hash.Update({buffer.data(), n});
  }

  result.uncompressed_size = tar_hash.size();
  result.size = compressed_hash.size();
  BERTH_ASSIGN_OR_RETURN(result.diff_id, tar_hash.Digest());
  BERTH_ASSIGN_OR_RETURN(result.digest, compressed_hash.Digest());
  return result;
}

}  // namespace berth::containerd::diff

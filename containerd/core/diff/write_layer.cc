// WriteLayerFromUpper: a pax tar writer whose output is hashed (diff_id)
// and then either written out or fed to a second libarchive writer (raw
// format, gzip or zstd filter) whose output is hashed (digest) and written.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/diff/digest.h"
#include "containerd/core/diff/fs_at.h"

namespace berth::containerd::diff {
namespace {

struct WriterDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
using WriterPtr = std::unique_ptr<struct archive, WriterDeleter>;
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<struct archive_entry, EntryDeleter>;

absl::Status ArchiveError(struct archive* a, std::string_view what) {
  const char* message = archive_error_string(a);
  return Internalf("{}: {}", what, message != nullptr ? message : "libarchive error");
}

absl::Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "write layer");
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

struct Sink {
  int fd;
  Sha256* tar_hash;
  Sha256* out_hash;            // null without compression
  struct archive* compressor;  // null without compression
  absl::Status error;
};

la_ssize_t WriteTarBytes(struct archive* a, void* client, const void* buffer, size_t length) {
  auto* sink = static_cast<Sink*>(client);
  const char* data = static_cast<const char*>(buffer);
  sink->tar_hash->Update({data, length});
  if (sink->compressor == nullptr) {
    sink->error = WriteAll(sink->fd, data, length);
  } else {
    size_t done = 0;
    while (done < length) {
      la_ssize_t n = archive_write_data(sink->compressor, data + done, length - done);
      if (n <= 0) {
        sink->error = ArchiveError(sink->compressor, "compress layer");
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  if (!sink->error.ok()) {
    archive_set_error(a, EIO, "%s", std::string(sink->error.message()).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

la_ssize_t WriteCompressedBytes(struct archive* a, void* client, const void* buffer,
                                size_t length) {
  auto* sink = static_cast<Sink*>(client);
  const char* data = static_cast<const char*>(buffer);
  sink->out_hash->Update({data, length});
  sink->error = WriteAll(sink->fd, data, length);
  if (!sink->error.ok()) {
    archive_set_error(a, EIO, "%s", std::string(sink->error.message()).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

bool KeepXattr(std::string_view name) {
  return !name.starts_with("trusted.overlay.") && !name.starts_with("user.overlay.") &&
         name != "security.selinux";
}

class UpperWalker {
 public:
  explicit UpperWalker(struct archive* tar) : tar_(tar) {}
  absl::Status Walk(int dir_fd, const std::string& rel_dir);

 private:
  absl::Status Add(int dir_fd, const std::string& name, const std::string& rel,
                   const struct stat& st);
  absl::Status AddXattrs(struct archive_entry* e, int dir_fd, const std::string& name);
  absl::Status AddEmpty(const std::string& rel, const struct stat& st);
  absl::Status Header(struct archive_entry* e, const std::string& rel);

  struct archive* tar_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

absl::Status UpperWalker::Header(struct archive_entry* e, const std::string& rel) {
  if (archive_write_header(tar_, e) < ARCHIVE_WARN) return ArchiveError(tar_, "tar " + rel);
  return absl::OkStatus();
}

// A whiteout or opaque marker: an empty regular file, owned by root.
absl::Status UpperWalker::AddEmpty(const std::string& rel, const struct stat& st) {
  EntryPtr e(archive_entry_new());
  archive_entry_set_pathname(e.get(), rel.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0);
  archive_entry_set_size(e.get(), 0);
  archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  return Header(e.get(), rel);
}

absl::Status UpperWalker::AddXattrs(struct archive_entry* e, int dir_fd, const std::string& name) {
  std::string path = ProcPathAt(dir_fd, name);
  ssize_t n = llistxattr(path.c_str(), nullptr, 0);
  if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP)) return absl::OkStatus();
  if (n < 0) return ErrnoErrorf(errno, "list xattrs");
  std::string names(static_cast<size_t>(n), '\0');
  n = llistxattr(path.c_str(), names.data(), names.size());
  if (n < 0) return ErrnoErrorf(errno, "list xattrs");
  names.resize(static_cast<size_t>(n));
  std::vector<std::string> keys;
  for (size_t start = 0; start < names.size();) {
    size_t end = names.find('\0', start);
    if (end == std::string::npos) end = names.size();
    if (end > start) keys.push_back(names.substr(start, end - start));
    start = end + 1;
  }
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    if (!KeepXattr(key)) continue;
    ssize_t size = lgetxattr(path.c_str(), key.c_str(), nullptr, 0);
    if (size < 0) return ErrnoErrorf(errno, "get xattr {}", key);
    std::string value(static_cast<size_t>(size), '\0');
    size = lgetxattr(path.c_str(), key.c_str(), value.data(), value.size());
    if (size < 0) return ErrnoErrorf(errno, "get xattr {}", key);
    archive_entry_xattr_add_entry(e, key.c_str(), value.data(), static_cast<size_t>(size));
  }
  return absl::OkStatus();
}

absl::Status UpperWalker::Add(int dir_fd, const std::string& name, const std::string& rel,
                              const struct stat& st) {
  EntryPtr e(archive_entry_new());
  archive_entry_set_pathname(e.get(), rel.c_str());
  archive_entry_set_uid(e.get(), st.st_uid);
  archive_entry_set_gid(e.get(), st.st_gid);
  archive_entry_set_perm(e.get(), st.st_mode & 07777);
  archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  archive_entry_set_size(e.get(), 0);
  BERTH_RETURN_IF_ERROR(AddXattrs(e.get(), dir_fd, name));

  if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
    auto [it, inserted] = links_.emplace(std::make_pair(st.st_dev, st.st_ino), rel);
    if (!inserted) {
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_hardlink(e.get(), it->second.c_str());
      return Header(e.get(), rel);
    }
  }
  if (S_ISREG(st.st_mode)) {
    int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoErrorf(errno, "open");
    UniqueFd file(fd);
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_size(e.get(), st.st_size);
    BERTH_RETURN_IF_ERROR(Header(e.get(), rel));
    std::vector<char> buffer(128 * 1024);
    off_t left = st.st_size;
    while (left > 0) {
      ssize_t n = read(file.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoErrorf(errno, "read");
      if (n == 0) return FailedPreconditionf("file shrank while being written to the layer");
      n = std::min<ssize_t>(n, left);
      if (archive_write_data(tar_, buffer.data(), static_cast<size_t>(n)) != n) {
        return ArchiveError(tar_, "tar " + rel);
      }
      left -= n;
    }
    return absl::OkStatus();
  }
  if (S_ISDIR(st.st_mode)) {
    archive_entry_set_filetype(e.get(), AE_IFDIR);
    return Header(e.get(), rel);
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) return ErrnoErrorf(errno, "readlink");
    target.resize(static_cast<size_t>(n));
    archive_entry_set_filetype(e.get(), AE_IFLNK);
    archive_entry_set_symlink(e.get(), target.c_str());
    return Header(e.get(), rel);
  }
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
    archive_entry_set_filetype(e.get(), st.st_mode & S_IFMT);
    archive_entry_set_rdevmajor(e.get(), major(st.st_rdev));
    archive_entry_set_rdevminor(e.get(), minor(st.st_rdev));
    return Header(e.get(), rel);
  }
  return absl::OkStatus();  // sockets: tar has no way to carry them
}

absl::Status UpperWalker::Walk(int dir_fd, const std::string& rel_dir) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir_fd));
  for (const std::string& name : names) {
    std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoErrorf(errno, "stat {}", rel);
    }
    std::string parent_prefix = rel_dir.empty() ? "" : rel_dir + "/";
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      BERTH_RETURN_IF_ERROR(AddEmpty(parent_prefix + ".wh." + name, st));
      continue;
    }
    BERTH_RETURN_IF_ERROR(WithContext(Add(dir_fd, name, rel, st), rel));
    if (!S_ISDIR(st.st_mode)) continue;
    int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoErrorf(errno, "open {}", rel);
    UniqueFd child(fd);
    char value[2];
    ssize_t n = fgetxattr(child.get(), "trusted.overlay.opaque", value, sizeof(value));
    if (n == 1 && value[0] == 'y') {
      BERTH_RETURN_IF_ERROR(AddEmpty(rel + "/.wh..wh..opq", st));
    }
    BERTH_RETURN_IF_ERROR(Walk(child.get(), rel));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LayerDigests> WriteLayerFromUpper(const std::string& upper, int out_fd,
                                                 Compression compression) {
  int fd = open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open upper dir {}", upper);
  UniqueFd upper_fd(fd);

  BERTH_ASSIGN_OR_RETURN(Sha256 tar_hash, Sha256::New());
  BERTH_ASSIGN_OR_RETURN(Sha256 out_hash, Sha256::New());
  Sink sink{.fd = out_fd, .tar_hash = &tar_hash, .out_hash = nullptr, .compressor = nullptr};

  WriterPtr compressor;
  if (compression != Compression::kNone) {
    compressor.reset(archive_write_new());
    if (!compressor) return Internalf("archive_write_new failed");
    struct archive* c = compressor.get();
    bool gzip = compression == Compression::kGzip;
    // The raw format carries one entry's bytes and nothing else; no padding
    // of the last block, so the output is exactly the compressed stream.
    if (archive_write_set_format_raw(c) != ARCHIVE_OK ||
        (gzip ? archive_write_add_filter_gzip(c) : archive_write_add_filter_zstd(c)) !=
            ARCHIVE_OK ||
        (gzip && archive_write_set_filter_option(c, "gzip", "timestamp", nullptr) != ARCHIVE_OK) ||
        archive_write_set_bytes_in_last_block(c, 1) != ARCHIVE_OK) {
      return ArchiveError(c, fmt::format("set up {}", CompressionName(compression)));
    }
    sink.out_hash = &out_hash;
    sink.compressor = c;
    if (archive_write_open2(c, &sink, nullptr, WriteCompressedBytes, nullptr, nullptr) !=
        ARCHIVE_OK) {
      return ArchiveError(c, "open compressor");
    }
    EntryPtr e(archive_entry_new());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_pathname(e.get(), "layer.tar");
    if (archive_write_header(c, e.get()) != ARCHIVE_OK) return ArchiveError(c, "compressor");
  }

  WriterPtr tar(archive_write_new());
  if (!tar) return Internalf("archive_write_new failed");
  if (archive_write_set_format_pax_restricted(tar.get()) != ARCHIVE_OK ||
      archive_write_open2(tar.get(), &sink, nullptr, WriteTarBytes, nullptr, nullptr) !=
          ARCHIVE_OK) {
    return ArchiveError(tar.get(), "open tar writer");
  }
  UpperWalker walker(tar.get());
  absl::Status walked = walker.Walk(upper_fd.get(), "");
  if (!sink.error.ok()) return sink.error;
  BERTH_RETURN_IF_ERROR(WithContext(walked, "write layer from " + upper));
  if (archive_write_close(tar.get()) != ARCHIVE_OK) {
    return sink.error.ok() ? ArchiveError(tar.get(), "close tar") : sink.error;
  }
  if (compressor && archive_write_close(compressor.get()) != ARCHIVE_OK) {
    return sink.error.ok() ? ArchiveError(compressor.get(), "close compressor") : sink.error;
  }

  LayerDigests digests;
  digests.uncompressed_size = tar_hash.size();
  BERTH_ASSIGN_OR_RETURN(digests.diff_id, tar_hash.Digest());
  if (compressor) {
    digests.size = out_hash.size();
    BERTH_ASSIGN_OR_RETURN(digests.digest, out_hash.Digest());
  } else {
    digests.size = digests.uncompressed_size;
    digests.digest = digests.diff_id;
  }
  return digests;
}

}  // namespace berth::containerd::diff

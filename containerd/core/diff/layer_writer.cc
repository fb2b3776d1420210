#include "containerd/core/diff/layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/status.h"
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

bool KeepXattr(std::string_view name) {
  return !name.starts_with("trusted.overlay.") && !name.starts_with("user.overlay.") &&
         name != "security.selinux";
}

}  // namespace

struct LayerWriter::State {
  LayerSink sink;
  Sha256 tar_hash;
  Sha256 out_hash;
  WriterPtr compressor;  // null without compression
  WriterPtr tar;
  absl::Status error;  // the first the sink or compressor returned
};

namespace {

la_ssize_t WriteTarBytes(struct archive* a, void* client, const void* buffer, size_t length) {
  auto* state = static_cast<LayerWriter::State*>(client);
  const char* data = static_cast<const char*>(buffer);
  state->tar_hash.Update({data, length});
  if (!state->compressor) {
    state->error = state->sink({data, length});
  } else {
    size_t done = 0;
    while (done < length) {
      la_ssize_t n = archive_write_data(state->compressor.get(), data + done, length - done);
      if (n <= 0) {
        if (state->error.ok())
          state->error = ArchiveError(state->compressor.get(), "compress layer");
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  if (!state->error.ok()) {
    archive_set_error(a, EIO, "%s", std::string(state->error.message()).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

la_ssize_t WriteCompressedBytes(struct archive* a, void* client, const void* buffer,
                                size_t length) {
  auto* state = static_cast<LayerWriter::State*>(client);
  const char* data = static_cast<const char*>(buffer);
  state->out_hash.Update({data, length});
  state->error = state->sink({data, length});
  if (!state->error.ok()) {
    archive_set_error(a, EIO, "%s", std::string(state->error.message()).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

}  // namespace

LayerWriter::LayerWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
LayerWriter::~LayerWriter() = default;

absl::StatusOr<std::unique_ptr<LayerWriter>> LayerWriter::Open(LayerSink sink,
                                                               Compression compression) {
  BERTH_ASSIGN_OR_RETURN(Sha256 tar_hash, Sha256::New());
  BERTH_ASSIGN_OR_RETURN(Sha256 out_hash, Sha256::New());
  auto state = std::make_unique<State>(State{
      .sink = std::move(sink), .tar_hash = std::move(tar_hash), .out_hash = std::move(out_hash)});

  if (compression != Compression::kNone) {
    state->compressor.reset(archive_write_new());
    if (!state->compressor) return Internalf("archive_write_new failed");
    struct archive* c = state->compressor.get();
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
    if (archive_write_open2(c, state.get(), nullptr, WriteCompressedBytes, nullptr, nullptr) !=
        ARCHIVE_OK) {
      return ArchiveError(c, "open compressor");
    }
    EntryPtr e(archive_entry_new());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_pathname(e.get(), "layer.tar");
    if (archive_write_header(c, e.get()) != ARCHIVE_OK) return ArchiveError(c, "compressor");
  }

  state->tar.reset(archive_write_new());
  if (!state->tar) return Internalf("archive_write_new failed");
  if (archive_write_set_format_pax_restricted(state->tar.get()) != ARCHIVE_OK ||
      archive_write_open2(state->tar.get(), state.get(), nullptr, WriteTarBytes, nullptr,
                          nullptr) != ARCHIVE_OK) {
    return ArchiveError(state->tar.get(), "open tar writer");
  }
  return std::unique_ptr<LayerWriter>(new LayerWriter(std::move(state)));
}

absl::Status LayerWriter::SinkErrorOr(absl::Status status) const {
  return state_->error.ok() ? status : state_->error;
}

absl::Status LayerWriter::Header(struct archive_entry* e, const std::string& rel) {
  if (archive_write_header(state_->tar.get(), e) < ARCHIVE_WARN) {
    return SinkErrorOr(ArchiveError(state_->tar.get(), "tar " + rel));
  }
  return absl::OkStatus();
}

absl::Status LayerWriter::AddMarker(const std::string& rel, const struct stat& st) {
  EntryPtr e(archive_entry_new());
  archive_entry_set_pathname(e.get(), rel.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0);
  archive_entry_set_size(e.get(), 0);
  archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  return Header(e.get(), rel);
}

absl::Status LayerWriter::AddXattrs(struct archive_entry* e, int dir_fd, const std::string& name) {
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

absl::Status LayerWriter::Add(int dir_fd, const std::string& name, const std::string& rel,
                              const struct stat& st) {
  struct archive* tar = state_->tar.get();
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
      if (archive_write_data(tar, buffer.data(), static_cast<size_t>(n)) != n) {
        return SinkErrorOr(ArchiveError(tar, "tar " + rel));
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

absl::StatusOr<LayerDigests> LayerWriter::Close() {
  if (archive_write_close(state_->tar.get()) != ARCHIVE_OK) {
    return SinkErrorOr(ArchiveError(state_->tar.get(), "close tar"));
  }
  if (state_->compressor && archive_write_close(state_->compressor.get()) != ARCHIVE_OK) {
    return SinkErrorOr(ArchiveError(state_->compressor.get(), "close compressor"));
  }
  LayerDigests digests;
  digests.uncompressed_size = state_->tar_hash.size();
  BERTH_ASSIGN_OR_RETURN(digests.diff_id, state_->tar_hash.Digest());
  if (state_->compressor) {
    digests.size = state_->out_hash.size();
    BERTH_ASSIGN_OR_RETURN(digests.digest, state_->out_hash.Digest());
  } else {
    digests.size = digests.uncompressed_size;
    digests.digest = digests.diff_id;
  }
  return digests;
}

}  // namespace berth::containerd::diff

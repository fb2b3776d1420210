#include "containerd/core/images/tar_io.h"

#include <archive_entry.h>
#include <errno.h>
#include <unistd.h>

#include <vector>

#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::images::internal {
namespace {

std::string ArchiveError(struct archive* a) {
  const char* msg = archive_error_string(a);
  return msg ? msg : "unknown libarchive error";
}

absl::StatusOr<std::string> CleanName(std::string_view name) {
  while (name.starts_with("./")) name.remove_prefix(2);
  while (name.starts_with("/")) name.remove_prefix(1);
  while (name.ends_with("/")) name.remove_suffix(1);
  std::vector<std::string_view> parts = Split(name, '/');
  std::string out;
  for (std::string_view p : parts) {
    if (p.empty() || p == ".") continue;
    if (p == "..") return InvalidArgumentf("tar entry {:?}: \"..\" is not allowed", name);
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TarReader>> TarReader::Open(int fd) {
  struct archive* a = archive_read_new();
  if (a == nullptr) return Internalf("archive_read_new failed");
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  std::unique_ptr<TarReader> r(new TarReader(a));
  if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
    return InvalidArgumentf("read tar: {}", ArchiveError(a));
  }
  return r;
}

TarReader::~TarReader() { archive_read_free(a_); }

absl::StatusOr<std::optional<TarEntry>> TarReader::Next() {
  struct archive_entry* e = nullptr;
  int rc = archive_read_next_header(a_, &e);
  if (rc == ARCHIVE_EOF) return std::optional<TarEntry>();
  if (rc < ARCHIVE_WARN) {
    return absl::DataLossError(fmt::format("read tar: {}", ArchiveError(a_)));
  }
  TarEntry entry;
  const char* name = archive_entry_pathname(e);
  BERTH_ASSIGN_OR_RETURN(entry.path, CleanName(name ? name : ""));
  mode_t type = archive_entry_filetype(e);
  if (const char* hl = archive_entry_hardlink(e)) {
    entry.hardlink = true;
    BERTH_ASSIGN_OR_RETURN(entry.link_target, CleanName(hl));
  } else {
    entry.regular = type == AE_IFREG;
    entry.directory = type == AE_IFDIR;
    entry.symlink = type == AE_IFLNK;
    if (entry.symlink) {
      const char* target = archive_entry_symlink(e);
      entry.link_target = target ? target : "";
    }
  }
  entry.size = archive_entry_size(e);
  return std::optional<TarEntry>(std::move(entry));
}

absl::Status TarReader::ReadData(const std::function<absl::Status(std::string_view)>& sink) {
  std::vector<char> buf(256 * 1024);
  for (;;) {
    la_ssize_t n = archive_read_data(a_, buf.data(), buf.size());
    if (n == 0) return absl::OkStatus();
    if (n < 0) return absl::DataLossError(fmt::format("read tar: {}", ArchiveError(a_)));
    BERTH_RETURN_IF_ERROR(sink(std::string_view(buf.data(), static_cast<size_t>(n))));
  }
}

absl::StatusOr<std::string> TarReader::ReadAll(int64_t max_size) {
  std::string out;
  BERTH_RETURN_IF_ERROR(ReadData([&](std::string_view chunk) -> absl::Status {
    if (static_cast<int64_t>(out.size() + chunk.size()) > max_size) {
      return FailedPreconditionf("tar entry larger than {} bytes", max_size);
    }
    out.append(chunk);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::unique_ptr<TarWriter>> TarWriter::Open(int fd) {
  struct archive* a = archive_write_new();
  if (a == nullptr) return Internalf("archive_write_new failed");
  std::unique_ptr<TarWriter> w(new TarWriter(a));
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    return Internalf("write tar: {}", ArchiveError(a));
  }
  return w;
}

TarWriter::~TarWriter() {
  if (!closed_) archive_write_fail(a_);
  archive_write_free(a_);
}

absl::Status TarWriter::Header(const std::string& path, bool directory, int64_t size) {
  std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> e(archive_entry_new(),
                                                                           archive_entry_free);
  archive_entry_set_pathname(e.get(), path.c_str());
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_mtime(e.get(), 0, 0);
  archive_entry_set_filetype(e.get(), directory ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(e.get(), directory ? 0755 : 0644);
  archive_entry_set_size(e.get(), directory ? 0 : size);
  if (archive_write_header(a_, e.get()) != ARCHIVE_OK) {
    return ErrnoErrorf(archive_errno(a_) ? archive_errno(a_) : EIO, "write tar entry {}: {}", path,
                       ArchiveError(a_));
  }
  return absl::OkStatus();
}

absl::Status TarWriter::AddDirectory(const std::string& path) {
  return Header(path + "/", true, 0);
}

absl::Status TarWriter::AddFile(const std::string& path, std::string_view data) {
  BERTH_RETURN_IF_ERROR(Header(path, false, static_cast<int64_t>(data.size())));
  if (!data.empty() &&
      archive_write_data(a_, data.data(), data.size()) != static_cast<la_ssize_t>(data.size())) {
    return Internalf("write tar entry {}: {}", path, ArchiveError(a_));
  }
  return absl::OkStatus();
}

absl::Status TarWriter::AddFileFromFd(const std::string& path, int fd, int64_t size) {
  BERTH_RETURN_IF_ERROR(Header(path, false, size));
  std::vector<char> buf(256 * 1024);
  int64_t off = 0;
  while (off < size) {
    size_t want = static_cast<size_t>(std::min<int64_t>(size - off, buf.size()));
    ssize_t n = pread(fd, buf.data(), want, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoErrorf(errno, "read {}", path);
    if (n == 0) return absl::DataLossError(fmt::format("{}: shorter than {} bytes", path, size));
    if (archive_write_data(a_, buf.data(), static_cast<size_t>(n)) != n) {
      return Internalf("write tar entry {}: {}", path, ArchiveError(a_));
    }
    off += n;
  }
  return absl::OkStatus();
}

absl::Status TarWriter::Close() {
  if (archive_write_close(a_) != ARCHIVE_OK) {
    return Internalf("write tar: {}", ArchiveError(a_));
  }
  closed_ = true;
  return absl::OkStatus();
}

}  // namespace berth::containerd::images::internal

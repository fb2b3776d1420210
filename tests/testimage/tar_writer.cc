#include "tests/testimage/tar_writer.h"

#include <archive_entry.h>
#include <sys/stat.h>

#include "common/status.h"

namespace berth::testimage {
namespace {

la_ssize_t AppendToString(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

absl::Status ArchiveError(struct archive* a, std::string_view what) {
  const char* message = archive_error_string(a);
  return Internalf("{}: {}", what, message != nullptr ? message : "libarchive error");
}

struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<struct archive_entry, EntryDeleter>;

absl::Status WriteData(struct archive* a, std::string_view data, std::string_view what) {
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(a, data.data(), data.size());
    if (n <= 0) return ArchiveError(a, what);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TarWriter> TarWriter::Open(std::string* out) {
  struct archive* a = archive_write_new();
  if (a == nullptr) return Internalf("tar: archive_write_new failed");
  TarWriter writer(a);
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) {
    return ArchiveError(a, "tar: set pax restricted format");
  }
  if (archive_write_open2(a, out, nullptr, AppendToString, nullptr, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a, "tar: open");
  }
  return writer;
}

absl::Status TarWriter::Add(const FsEntry& entry, int64_t mtime) {
  EntryPtr e(archive_entry_new());
  if (!e) return Internalf("tar {}: archive_entry_new failed", entry.path);
  archive_entry_set_pathname(e.get(), entry.path.c_str());
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_perm(e.get(), entry.mode & 07777);
  switch (entry.type) {
    case FsEntry::Type::kDir:
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      archive_entry_set_size(e.get(), 0);
      break;
    case FsEntry::Type::kFile:
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_size(e.get(), static_cast<la_int64_t>(entry.content.size()));
      break;
    case FsEntry::Type::kSymlink:
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_size(e.get(), 0);
      archive_entry_set_symlink(e.get(), entry.target.c_str());
      break;
  }
  std::string what = "tar " + entry.path;
  if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) return ArchiveError(a_.get(), what);
  if (entry.type == FsEntry::Type::kFile) {
    BERTH_RETURN_IF_ERROR(WriteData(a_.get(), entry.content, what));
  }
  return absl::OkStatus();
}

absl::Status TarWriter::Finish() {
  if (archive_write_close(a_.get()) != ARCHIVE_OK) return ArchiveError(a_.get(), "tar: close");
  return absl::OkStatus();
}

absl::StatusOr<std::string> WriteTar(const FsTree& tree, int64_t mtime) {
  std::string out;
  BERTH_ASSIGN_OR_RETURN(TarWriter writer, TarWriter::Open(&out));
  for (const FsEntry* entry : tree.Sorted()) BERTH_RETURN_IF_ERROR(writer.Add(*entry, mtime));
  BERTH_RETURN_IF_ERROR(writer.Finish());
  return out;
}

absl::StatusOr<std::string> GzipCompress(std::string_view data) {
  std::string out;
  std::unique_ptr<struct archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                                   archive_write_free);
  if (!a) return Internalf("gzip: archive_write_new failed");
  // The raw format writes one entry's data and nothing else; the filter
  // compresses it. No padding of the last block: the output is the gzip stream.
  if (archive_write_set_format_raw(a.get()) != ARCHIVE_OK ||
      archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
      archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "gzip: set up");
  }
  if (archive_write_open2(a.get(), &out, nullptr, AppendToString, nullptr, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "gzip: open");
  }
  EntryPtr e(archive_entry_new());
  if (!e) return Internalf("gzip: archive_entry_new failed");
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "gzip: header");
  }
  BERTH_RETURN_IF_ERROR(WriteData(a.get(), data, "gzip: write"));
  if (archive_write_close(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "gzip: close");
  return out;
}

}  // namespace berth::testimage

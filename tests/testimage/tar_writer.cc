#include "tests/testimage/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"

namespace berth::testimage {

absl::StatusOr<std::unique_ptr<TarWriter>> TarWriter::Create(bool gzip) {
  std::unique_ptr<TarWriter> w(new TarWriter());
  w->archive_ = archive_write_new();
  if (w->archive_ == nullptr) return Internalf("archive_write_new failed");
  archive_write_set_format_pax_restricted(w->archive_);
  if (gzip) {
    archive_write_add_filter_gzip(w->archive_);
    // No timestamp in the gzip header: same input, same digest.
    archive_write_set_filter_option(w->archive_, "gzip", "timestamp", nullptr);
  }
  archive_write_set_bytes_in_last_block(w->archive_, 1);
  if (archive_write_open(w->archive_, w.get(), nullptr, &TarWriter::Write, nullptr) !=
      ARCHIVE_OK) {
    return Internalf("open tar writer: {}", archive_error_string(w->archive_));
  }
  return w;
}

TarWriter::~TarWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
}

long TarWriter::Write(struct archive*, void* self, const void* data, size_t size) {
  static_cast<TarWriter*>(self)->out_.append(static_cast<const char*>(data), size);
  return static_cast<long>(size);
}

absl::Status TarWriter::AddEntry(const std::string& path, unsigned type, uint32_t mode,
                                 const std::string& content, const std::string& link) {
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, path.c_str());
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, mode & 07777);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_mtime(e, 0, 0);
  if (type == AE_IFLNK) archive_entry_set_symlink(e, link.c_str());
  archive_entry_set_size(e, type == AE_IFREG ? static_cast<la_int64_t>(content.size()) : 0);
  int rc = archive_write_header(archive_, e);
  if (rc == ARCHIVE_OK && type == AE_IFREG && !content.empty()) {
    if (archive_write_data(archive_, content.data(), content.size()) < 0) rc = ARCHIVE_FATAL;
  }
  archive_entry_free(e);
  if (rc != ARCHIVE_OK) return Internalf("add {} to tar: {}", path, archive_error_string(archive_));
  return absl::OkStatus();
}

absl::Status TarWriter::AddDirectory(const std::string& path, uint32_t mode) {
  return AddEntry(path.ends_with("/") ? path : path + "/", AE_IFDIR, mode, "", "");
}

absl::Status TarWriter::AddFile(const std::string& path, const std::string& content,
                                uint32_t mode) {
  return AddEntry(path, AE_IFREG, mode, content, "");
}

absl::Status TarWriter::AddSymlink(const std::string& path, const std::string& target) {
  return AddEntry(path, AE_IFLNK, 0777, "", target);
}

absl::Status TarWriter::AddTree(const std::string& dir, const std::string& prefix) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoErrorf(errno, "open {}", dir);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    std::string entry = prefix + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) < 0) return ErrnoErrorf(errno, "stat {}", path);
    if (S_ISDIR(st.st_mode)) {
      BERTH_RETURN_IF_ERROR(AddDirectory(entry, st.st_mode));
      BERTH_RETURN_IF_ERROR(AddTree(path, entry + "/"));
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = ::readlink(path.c_str(), target, sizeof(target));
      if (n < 0) return ErrnoErrorf(errno, "readlink {}", path);
      BERTH_RETURN_IF_ERROR(AddSymlink(entry, std::string(target, static_cast<size_t>(n))));
    } else if (S_ISREG(st.st_mode)) {
      BERTH_ASSIGN_OR_RETURN(std::string content, ReadFile(path));
      BERTH_RETURN_IF_ERROR(AddFile(entry, content, st.st_mode));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TarWriter::Finish() {
  if (!finished_) {
    if (archive_write_close(archive_) != ARCHIVE_OK) {
      return Internalf("close tar: {}", archive_error_string(archive_));
    }
    finished_ = true;
  }
  return out_;
}

std::string Sha256Digest(const std::string& data) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), hash, &len, EVP_sha256(), nullptr);
  std::string hex = "sha256:";
  static const char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[hash[i] >> 4];
    hex += kHex[hash[i] & 0xf];
  }
  return hex;
}

}  // namespace berth::testimage

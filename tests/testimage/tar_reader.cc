#include "tests/testimage/tar_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "common/file_util.h"
#include "common/status.h"

namespace berth::testimage {
namespace {

std::string CleanMemberName(std::string name) {
  while (name.starts_with("./")) name.erase(0, 2);
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  return name;
}

absl::Status ArchiveError(struct archive* a, std::string_view what) {
  const char* message = archive_error_string(a);
  return InvalidArgumentf("{}: {}", what, message != nullptr ? message : "libarchive error");
}

absl::StatusOr<std::string> ReadData(struct archive* a, const std::string& name) {
  std::string content;
  char buf[65536];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
    if (n < 0) return ArchiveError(a, "read tar member " + name);
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  return content;
}

}  // namespace

absl::StatusOr<std::vector<TarMember>> ReadTar(std::string_view data) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(),
                                                                  archive_read_free);
  if (!a) return Internalf("read tar: archive_read_new failed");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "read tar");
  }
  std::vector<TarMember> members;
  for (;;) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return ArchiveError(a.get(), "read tar header");
    TarMember m;
    const char* name = archive_entry_pathname(e);
    m.name = CleanMemberName(name != nullptr ? name : "");
    m.type = archive_entry_filetype(e);
    m.mode = archive_entry_perm(e);
    m.uid = archive_entry_uid(e);
    m.gid = archive_entry_gid(e);
    m.mtime = archive_entry_mtime(e);
    if (const char* link = archive_entry_symlink(e)) m.link_target = link;
    if (const char* link = archive_entry_hardlink(e)) m.link_target = link;
    if (m.type == AE_IFREG) {
      BERTH_ASSIGN_OR_RETURN(m.content, ReadData(a.get(), m.name));
    }
    members.push_back(std::move(m));
  }
  return members;
}

absl::StatusOr<std::vector<TarMember>> ReadTarFile(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  absl::StatusOr<std::vector<TarMember>> members = ReadTar(data);
  if (!members.ok()) return WithContext(members.status(), path);
  return members;
}

absl::StatusOr<std::string> Decompress(std::string_view data) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(),
                                                                  archive_read_free);
  if (!a) return Internalf("decompress: archive_read_new failed");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "decompress");
  }
  struct archive_entry* e = nullptr;
  int rc = archive_read_next_header(a.get(), &e);
  if (rc == ARCHIVE_EOF) return std::string();
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return ArchiveError(a.get(), "decompress");
  return ReadData(a.get(), "data");
}

const TarMember* FindMember(const std::vector<TarMember>& members, std::string_view name) {
  for (const TarMember& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace berth::testimage

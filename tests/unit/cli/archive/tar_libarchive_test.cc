// The CLI's tar writer read by libarchive, and archives libarchive writes
// (pax, ustar, GNU) read by the CLI's reader.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cli/archive/tar_reader.h"
#include "cli/archive/tar_writer.h"
#include "tests/testutil/status_testing.h"

namespace berth::cli::archive {
namespace {

using testing::ValueOrFail;

struct Read {
  std::string name, link;
  int type = 0;
  int64_t size = 0, mtime = 0;
  long mtime_nsec = 0;
  unsigned mode = 0;
  int64_t uid = 0;
  std::string data;
};

std::vector<Read> ReadWithLibarchive(const std::string& tar) {
  ::archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK);
  std::vector<Read> out;
  archive_entry* e;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    Read r;
    r.name = archive_entry_pathname(e);
    const char* hl = archive_entry_hardlink(e);
    const char* sl = archive_entry_symlink(e);
    r.type = static_cast<int>(archive_entry_filetype(e));
    r.link = r.type == AE_IFLNK ? (sl ? sl : "") : (hl ? hl : "");
    r.size = archive_entry_size(e);
    r.mtime = archive_entry_mtime(e);
    r.mtime_nsec = archive_entry_mtime_nsec(e);
    r.mode = archive_entry_perm(e);
    r.uid = archive_entry_uid(e);
    std::string data(static_cast<size_t>(r.size), '\0');
    if (r.size > 0) REQUIRE(archive_read_data(a, data.data(), data.size()) == r.size);
    r.data = data;
    out.push_back(r);
  }
  std::string error = archive_error_string(a) ? archive_error_string(a) : "";
  INFO(error);
  CHECK(rc == ARCHIVE_EOF);
  archive_read_free(a);
  return out;
}

std::string Entry(const TarEntry& e, const std::string& data = "") {
  return ValueOrFail(EncodeTarHeader(e)) + data + TarPadding(static_cast<int64_t>(data.size()));
}

TEST_CASE("tar writer: libarchive reads its entries", "[cli][archive]") {
  std::string long_name = "dir/" + std::string(150, 'n') + "/" + std::string(120, 'f');
  std::string long_link = "/" + std::string(200, 'l');
  std::string tar;
  tar += Entry({.name = "dir/", .type = TarType::kDirectory, .mode = 0755, .mtime = 1700000000});
  tar += Entry({.name = "dir/file", .mode = 04751, .uid = 1000, .size = 5, .mtime = 1600000000},
               "hello");
  tar += Entry({.name = long_name, .mode = 0600, .size = 3, .mtime = 1, .mtime_nsec = 500000000},
               "abc");
  tar +=
      Entry({.name = "dir/sym", .type = TarType::kSymlink, .link_name = long_link, .mode = 0777});
  tar += Entry(
      {.name = "dir/hard", .type = TarType::kHardlink, .link_name = "dir/file", .mode = 04751});
  tar += Entry({.name = "dir/big-uid", .mode = 0644, .uid = 100000000});
  tar += Entry({.name = "dir/fifo", .type = TarType::kFifo, .mode = 0600});
  tar += TarTrailer();
  std::vector<Read> got = ReadWithLibarchive(tar);
  REQUIRE(got.size() == 7);
  CHECK(got[0].name == "dir/");
  CHECK(got[0].type == AE_IFDIR);
  CHECK(got[0].mode == 0755);
  CHECK(got[0].mtime == 1700000000);
  CHECK(got[1].name == "dir/file");
  CHECK(got[1].mode == 04751);
  CHECK(got[1].uid == 1000);
  CHECK(got[1].data == "hello");
  CHECK(got[2].name == long_name);
  CHECK(got[2].data == "abc");
  CHECK(got[2].mtime == 1);
  CHECK(got[2].mtime_nsec == 500000000);
  CHECK(got[3].type == AE_IFLNK);
  CHECK(got[3].link == long_link);
  CHECK(got[4].name == "dir/hard");
  CHECK(got[4].link == "dir/file");
  CHECK(got[5].uid == 100000000);
  CHECK(got[6].type == AE_IFIFO);
}

TEST_CASE("tar writer: short entries are plain ustar headers, as Go's", "[cli][archive]") {
  std::string header = ValueOrFail(EncodeTarHeader({.name = "f", .size = 1}));
  CHECK(header.size() == 512);
  CHECK(header.substr(257, 8) == std::string("ustar\0"
                                             "00",
                                             8));
  CHECK(ValueOrFail(EncodeTarHeader({.name = std::string(101, 'x')})).size() == 1536);
  CHECK(TarPadding(1) == std::string(511, '\0'));
  CHECK(TarPadding(512).empty());
}

// An archive libarchive writes in `format` with a long name, a symlink, a
// hardlink, a directory, modes and an mtime.
std::string WriteWithLibarchive(int format, const std::string& long_name) {
  std::vector<char> buf(1 << 20);
  size_t used = 0;
  ::archive* a = archive_write_new();
  archive_write_set_format(a, format);
  archive_write_set_bytes_per_block(a, 10240);
  REQUIRE(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
  auto add = [&](const std::string& name, mode_t type, unsigned perm, const std::string& data,
                 const char* symlink, const char* hardlink) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_mtime(e, 1234567890, 0);
    archive_entry_set_uid(e, 42);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    if (symlink) archive_entry_set_symlink(e, symlink);
    if (hardlink) archive_entry_set_hardlink(e, hardlink);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!data.empty()) archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  };
  add("top/", AE_IFDIR, 0750, "", nullptr, nullptr);
  add("top/file", AE_IFREG, 0640, std::string(1000, 'z'), nullptr, nullptr);
  add(long_name, AE_IFREG, 0600, "long", nullptr, nullptr);
  add("top/link", AE_IFLNK, 0777, "", "file", nullptr);
  add("top/hard", AE_IFREG, 0640, "", nullptr, "top/file");
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

TEST_CASE("tar reader: archives libarchive writes, read piece by piece", "[cli][archive]") {
  struct Format {
    const char* label;
    int code;
    size_t name_len;  // ustar holds at most 255 in prefix plus name
  } formats[] = {{"pax", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, 300},
                 {"ustar", ARCHIVE_FORMAT_TAR_USTAR, 150},
                 {"gnu", ARCHIVE_FORMAT_TAR_GNUTAR, 300}};
  for (const Format& f : formats) {
    INFO(f.label);
    std::string long_name = "top/" + std::string(f.name_len - 20, 'd') + "/" + std::string(15, 'f');
    std::string tar = WriteWithLibarchive(f.code, long_name);
    size_t pos = 0;
    TarReader reader([&]() -> absl::StatusOr<std::string> {
      size_t n = std::min<size_t>(7, tar.size() - pos);  // odd pieces across blocks
      std::string piece = tar.substr(pos, n);
      pos += n;
      return piece;
    });
    std::vector<TarEntry> entries;
    std::vector<std::string> data;
    for (;;) {
      std::optional<TarEntry> e = ValueOrFail(reader.Next());
      if (!e) break;
      std::string d;
      for (;;) {
        std::string piece = ValueOrFail(reader.ReadData(100));
        if (piece.empty()) break;
        d += piece;
      }
      entries.push_back(*e);
      data.push_back(d);
    }
    REQUIRE(entries.size() == 5);
    CHECK(entries[0].name == "top/");
    CHECK(entries[0].type == TarType::kDirectory);
    CHECK(entries[0].mode == 0750);
    CHECK(entries[1].name == "top/file");
    CHECK(entries[1].mode == 0640);
    CHECK(entries[1].uid == 42);
    CHECK(entries[1].mtime == 1234567890);
    CHECK(data[1] == std::string(1000, 'z'));
    CHECK(entries[2].name == long_name);
    CHECK(data[2] == "long");
    CHECK(entries[3].type == TarType::kSymlink);
    CHECK(entries[3].link_name == "file");
    CHECK(entries[4].type == TarType::kHardlink);
    CHECK(entries[4].link_name == "top/file");
    CHECK(data[4].empty());
  }
}

TEST_CASE("tar reader: a bad checksum and a cut archive are errors", "[cli][archive]") {
  std::string tar = ValueOrFail(EncodeTarHeader({.name = "f", .size = 600}));
  std::string bad = tar;
  bad[0] = 'g';
  bool given = false;
  TarReader bad_reader([&]() -> absl::StatusOr<std::string> {
    if (given) return std::string();
    given = true;
    return bad;
  });
  CHECK_FALSE(bad_reader.Next().ok());
  std::string cut = tar + "only a little";
  size_t pos = 0;
  TarReader cut_reader([&]() -> absl::StatusOr<std::string> {
    std::string piece = cut.substr(pos);
    pos = cut.size();
    return piece;
  });
  REQUIRE(ValueOrFail(cut_reader.Next()).has_value());
  CHECK_FALSE(cut_reader.ReadData().ok());
}

}  // namespace
}  // namespace berth::cli::archive

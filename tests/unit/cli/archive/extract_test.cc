// A local tree through LocalTarSource, TarReader and ExtractTar, and the
// names and links extraction refuses.
#include "cli/archive/extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "cli/archive/tar_source.h"
#include "cli/archive/tar_writer.h"
#include "common/file_util.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::cli::archive {
namespace {

using testing::TempDir;
using testing::ValueOrFail;

ByteSource FromSource(LocalTarSource& source) {
  return [&source]() { return source.Next(); };
}

ByteSource FromString(const std::string& tar) {
  auto pos = std::make_shared<size_t>(0);
  return [tar, pos]() -> absl::StatusOr<std::string> {
    std::string piece = tar.substr(*pos, 1000);
    *pos += piece.size();
    return piece;
  };
}

void Write(const std::string& path, const std::string& data, mode_t mode, time_t mtime) {
  REQUIRE_OK(WriteFileAtomic(path, data, mode, Durability::kProcessCrash));
  REQUIRE(chmod(path.c_str(), mode) == 0);
  struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0);
}

struct stat Lstat(const std::string& path) {
  struct stat st;
  INFO(path);
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st;
}

TEST_CASE("tar round trip: a tree with long names, links, modes and mtimes", "[cli][archive]") {
  TempDir src("cp-src"), dst("cp-dst");
  std::string tree = src.Sub("tree");
  std::string deep = tree + "/" + std::string(120, 'd') + "/" + std::string(90, 'e');
  REQUIRE_OK(MkdirAll(deep));
  Write(deep + "/" + std::string(100, 'f'), "deep data", 0640, 1500000000);
  Write(tree + "/exec", std::string(200000, 'x'), 04755, 1400000000);
  REQUIRE(link((tree + "/exec").c_str(), (tree + "/exec-hard").c_str()) == 0);
  REQUIRE(symlink("exec", (tree + "/exec-link").c_str()) == 0);
  REQUIRE(symlink("/absolute/elsewhere", (tree + "/abs-link").c_str()) == 0);
  REQUIRE(mkfifo((tree + "/fifo").c_str(), 0600) == 0);
  REQUIRE(chmod(tree.c_str(), 0751) == 0);
  struct timespec ts[2] = {{1300000000, 0}, {1300000000, 0}};
  REQUIRE(utimensat(AT_FDCWD, tree.c_str(), ts, 0) == 0);

  auto source = ValueOrFail(LocalTarSource::Create(tree, {{"tree", "copy"}}));
  TarReader reader(FromSource(*source));
  REQUIRE_OK(ExtractTar(reader, dst.path(), {}));
  CHECK(source->bytes() > 200000);

  std::string out = dst.Sub("copy");
  CHECK((Lstat(out).st_mode & 07777) == 0751);
  CHECK(Lstat(out).st_mtim.tv_sec == 1300000000);
  std::string deep_out =
      out + "/" + std::string(120, 'd') + "/" + std::string(90, 'e') + "/" + std::string(100, 'f');
  CHECK(ReadFile(deep_out).value_or("") == "deep data");
  CHECK((Lstat(deep_out).st_mode & 07777) == 0640);
  CHECK(Lstat(deep_out).st_mtim.tv_sec == 1500000000);
  CHECK(ReadFile(out + "/exec").value_or("") == std::string(200000, 'x'));
  CHECK((Lstat(out + "/exec").st_mode & 07777) == 04755);
  CHECK(Lstat(out + "/exec").st_mtim.tv_sec == 1400000000);
  CHECK(Lstat(out + "/exec-hard").st_ino == Lstat(out + "/exec").st_ino);
  CHECK(S_ISLNK(Lstat(out + "/exec-link").st_mode));
  char buf[256];
  ssize_t n = readlink((out + "/abs-link").c_str(), buf, sizeof(buf));
  CHECK(std::string(buf, static_cast<size_t>(n > 0 ? n : 0)) == "/absolute/elsewhere");
  CHECK(S_ISFIFO(Lstat(out + "/fifo").st_mode));
}

TEST_CASE("tar round trip: dir/. archives the contents under .", "[cli][archive]") {
  TempDir src("cp-src"), dst("cp-dst");
  Write(src.Sub("a"), "A", 0644, 1000);
  auto source = ValueOrFail(LocalTarSource::Create(src.path() + "/.", {}));
  std::vector<std::string> names;
  TarReader reader(FromSource(*source));
  for (;;) {
    std::optional<TarEntry> e = ValueOrFail(reader.Next());
    if (!e) break;
    names.push_back(e->name);
  }
  CHECK(names == std::vector<std::string>{"./", "./a"});
}

TEST_CASE("tar extract: an existing file is replaced, a dir is merged", "[cli][archive]") {
  TempDir dst("cp-dst");
  REQUIRE_OK(MkdirAll(dst.Sub("d")));
  Write(dst.Sub("d/keep"), "keep", 0644, 1000);
  Write(dst.Sub("f"), "old", 0644, 1000);
  std::string tar =
      ValueOrFail(EncodeTarHeader({.name = "d/", .type = TarType::kDirectory, .mode = 0755})) +
      ValueOrFail(EncodeTarHeader({.name = "f", .mode = 0600, .size = 3})) + "new" + TarPadding(3) +
      TarTrailer();
  TarReader reader(FromString(tar));
  REQUIRE_OK(ExtractTar(reader, dst.path(), {}));
  CHECK(ReadFile(dst.Sub("d/keep")).value_or("") == "keep");
  CHECK(ReadFile(dst.Sub("f")).value_or("") == "new");

  std::string onto_dir = ValueOrFail(EncodeTarHeader({.name = "d", .mode = 0600})) + TarTrailer();
  TarReader reader2(FromString(onto_dir));
  absl::Status s = ExtractTar(reader2, dst.path(), {});
  CHECK(std::string(s.message()).starts_with("cannot overwrite directory"));
}

TEST_CASE("tar extract: names and links that leave the destination are refused", "[cli][archive]") {
  TempDir outer("cp-outer");
  std::string dest = outer.Sub("dest");
  REQUIRE_OK(MkdirAll(dest));
  struct Case {
    std::string label;
    std::string tar;
    std::string error;
  };
  auto file = [](const std::string& name) {
    return ValueOrFail(EncodeTarHeader({.name = name, .mode = 0644, .size = 1})) + "x" +
           TarPadding(1);
  };
  Case cases[] = {
      {"dot-dot name", file("../escaped") + TarTrailer(), "is outside of"},
      {"nested dot-dot name", file("a/../../escaped") + TarTrailer(), "is outside of"},
      {"absolute name", file("/escaped") + TarTrailer(), "absolute name"},
      {"relative symlink out",
       ValueOrFail(
           EncodeTarHeader({.name = "l", .type = TarType::kSymlink, .link_name = "../escaped"})) +
           TarTrailer(),
       "invalid symlink"},
      {"hardlink out",
       ValueOrFail(EncodeTarHeader(
           {.name = "h", .type = TarType::kHardlink, .link_name = "../outside-file"})) +
           TarTrailer(),
       "invalid hardlink"},
  };
  Write(outer.Sub("outside-file"), "secret", 0644, 1000);
  for (const Case& c : cases) {
    INFO(c.label);
    TarReader reader(FromString(c.tar));
    absl::Status s = ExtractTar(reader, dest, {});
    INFO(std::string(s.message()));
    CHECK(std::string(s.message()).find(c.error) != std::string::npos);
  }
  CHECK_FALSE(PathExists(outer.Sub("escaped")));

  // An absolute symlink is kept, but writing through it stays under the
  // destination (RESOLVE_IN_ROOT), as through a symlink to a directory.
  std::string through =
      ValueOrFail(
          EncodeTarHeader({.name = "abs", .type = TarType::kSymlink, .link_name = outer.path()})) +
      file("abs/escaped") + TarTrailer();
  TarReader reader(FromString(through));
  absl::Status s = ExtractTar(reader, dest, {});
  INFO(std::string(s.message()));
  CHECK_FALSE(PathExists(outer.Sub("escaped")));
  CHECK(ReadFile(outer.Sub("outside-file")).value_or("") == "secret");
}

}  // namespace
}  // namespace berth::cli::archive

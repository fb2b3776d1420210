#include "common/file_util.h"

#include <dirent.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "common/status.h"
#include "tests/testutil/temp_dir.h"

namespace berth {
namespace {

TEST_CASE("CleanPath matches Go's filepath.Clean", "[file_util]") {
  CHECK(CleanPath("") == ".");
  CHECK(CleanPath("/") == "/");
  CHECK(CleanPath("//a//b/./c/..") == "/a/b");
  CHECK(CleanPath("/../../x") == "/x");
  CHECK(CleanPath("a/../../b") == "../b");
  CHECK(CleanPath("./") == ".");
}

TEST_CASE("JoinPath puts exactly one slash between parts", "[file_util]") {
  CHECK(JoinPath("/a/", "/b") == "/a/b");
  CHECK(JoinPath("/", "b") == "/b");
  CHECK(JoinPath("", "b") == "b");
  CHECK(JoinPath("a", "") == "a");
}

TEST_CASE("WriteFileAtomic replaces content and leaves no temp file", "[file_util]") {
  testing::TempDir dir;
  std::string path = dir.Sub("state.json");
  REQUIRE(WriteFileAtomic(path, "one", 0600).ok());
  REQUIRE(WriteFileAtomic(path, "two", 0600).ok());
  CHECK(*ReadFile(path) == "two");
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(RemoveAll(dir.Sub("missing")).ok());
  // No temp file is left next to it.
  DIR* d = opendir(dir.path().c_str());
  REQUIRE(d != nullptr);
  int entries = 0;
  while (struct dirent* e = readdir(d)) entries += e->d_name[0] == '.' ? 0 : 1;
  closedir(d);
  CHECK(entries == 1);
}

TEST_CASE("MkdirAll and RemoveAll", "[file_util]") {
  testing::TempDir dir;
  REQUIRE(MkdirAll(dir.Sub("a/b/c")).ok());
  REQUIRE(MkdirAll(dir.Sub("a/b/c")).ok());
  REQUIRE(WriteFile(dir.Sub("a/b/c/f"), "x").ok());
  REQUIRE(symlink("/etc", dir.Sub("a/link").c_str()) == 0);
  CHECK_FALSE(MkdirAll(dir.Sub("a/b/c/f/g")).ok());
  REQUIRE(RemoveAll(dir.Sub("a")).ok());
  CHECK_FALSE(PathExists(dir.Sub("a")));
  CHECK(PathExists("/etc/passwd"));  // the symlink was removed, not followed
}

TEST_CASE("ReadFile names the path on error", "[file_util]") {
  absl::StatusOr<std::string> r = ReadFile("/nonexistent/berth");
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("/nonexistent/berth") != std::string::npos);
  CHECK(ErrnoOf(r.status()) == ENOENT);
}

}  // namespace
}  // namespace berth

#include "cli/archive/copy_paths.h"

#include <catch2/catch.hpp>

namespace berth::cli::archive {
namespace {

TEST_CASE("copy paths: dir, base and trailing dot or separator", "[cli][archive]") {
  struct Case {
    std::string path, dir, base;
  } cases[] = {
      {"/a/b", "/a", "b"},      {"/a/b/", "/a", "b"}, {"/a/b/.", "/a/b", "."},
      {"/a/b/./", "/a/b", "."}, {"b", ".", "b"},      {"/", "/", "/"},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    auto [dir, base] = SplitPathDirEntry(c.path);
    CHECK(dir == c.dir);
    CHECK(base == c.base);
  }
  CHECK(PreserveTrailingDotOrSeparator("/a/b", "a/b/.") == "/a/b/.");
  CHECK(PreserveTrailingDotOrSeparator("/a/b", "a/b/") == "/a/b/");
  CHECK(PreserveTrailingDotOrSeparator("/", "/") == "/");
  CHECK(PreserveTrailingDotOrSeparator("/a", "a") == "/a");
  CHECK(ResolveLocalPath("x/y/", "/home") == "/home/x/y/");
  CHECK(ResolveLocalPath("./x/.", "/home") == "/home/x/.");
  CHECK(ResolveLocalPath("/x/../y", "/home") == "/y");
  CHECK(AssertsDirectory("/a/"));
  CHECK(AssertsDirectory("/a/."));
  CHECK_FALSE(AssertsDirectory("/a"));
}

TEST_CASE("copy paths: the rebase name of a followed link", "[cli][archive]") {
  CHECK(GetRebaseName("/a/link", "/a/target") ==
        std::pair<std::string, std::string>{"/a/target", "link"});
  CHECK(GetRebaseName("/a/link/", "/a/target") ==
        std::pair<std::string, std::string>{"/a/target/", "link"});
  CHECK(GetRebaseName("/a/link/.", "/a/target") ==
        std::pair<std::string, std::string>{"/a/target/.", ""});
  CHECK(GetRebaseName("/a/same", "/b/same") == std::pair<std::string, std::string>{"/b/same", ""});
}

TEST_CASE("copy paths: where an archive lands and how it is renamed", "[cli][archive]") {
  struct Case {
    std::string name;
    CopyInfo src, dst;
    std::string error;  // "" when it succeeds
    std::string dst_dir;
    std::string entry, renamed;  // an entry name and what it becomes
  } cases[] = {
      {"file into an existing dir",
       {"/s/f", true, false, ""},
       {"/d", true, true, ""},
       "",
       "/d",
       "f",
       "f"},
      {"dir into an existing dir",
       {"/s/dir", true, true, ""},
       {"/d", true, true, ""},
       "",
       "/d",
       "dir/x",
       "dir/x"},
      {"contents into an existing dir",
       {"/s/dir/.", true, true, ""},
       {"/d", true, true, ""},
       "",
       "/d",
       "./x",
       "./x"},
      {"file as a new name",
       {"/s/f", true, false, ""},
       {"/d/new", false, false, ""},
       "",
       "/d",
       "f",
       "new"},
      {"file over an existing file",
       {"/s/f", true, false, ""},
       {"/d/old", true, false, ""},
       "",
       "/d",
       "f",
       "old"},
      {"dir as a new name",
       {"/s/dir", true, true, ""},
       {"/d/new", false, false, ""},
       "",
       "/d",
       "dir/x",
       "new/x"},
      {"contents as a new dir",
       {"/s/dir/.", true, true, ""},
       {"/d/new", false, false, ""},
       "",
       "/d",
       "./x",
       "new/x"},
      {"a followed link keeps its name",
       {"/s/target", true, false, "link"},
       {"/d/new", false, false, ""},
       "",
       "/d",
       "link",
       "new"},
      {"dir over a file",
       {"/s/dir", true, true, ""},
       {"/d/f", true, false, ""},
       "cannot copy directory",
       "",
       "",
       ""},
      {"file into a missing dir",
       {"/s/f", true, false, ""},
       {"/d/missing/", false, false, ""},
       "no such directory",
       "",
       "",
       ""},
      {"file into a missing dir with a dot",
       {"/s/f", true, false, ""},
       {"/d/missing/.", false, false, ""},
       "no such directory",
       "",
       "",
       ""},
      {"dir as a new name with a slash",
       {"/s/dir", true, true, ""},
       {"/d/new/", false, false, ""},
       "",
       "/d",
       "dir/x",
       "new/x"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    absl::StatusOr<CopyPlan> plan = PrepareArchiveCopy(c.src, c.dst);
    if (!c.error.empty()) {
      REQUIRE_FALSE(plan.ok());
      CHECK(std::string(plan.status().message()) == c.error);
      continue;
    }
    REQUIRE(plan.ok());
    CHECK(plan->dst_dir == c.dst_dir);
    CHECK(RebaseName(c.entry, plan->rebases) == c.renamed);
  }
}

TEST_CASE("copy paths: a rebase replaces the first occurrence, as docker's", "[cli][archive]") {
  CHECK(RebaseName("a/a/a", {{"a", "b"}}) == "b/a/a");
  CHECK(RebaseName("x/", {{"", "y"}}) == "yx/");
  CHECK(RebaseName("link/f", {{"link", "t"}, {"t", "new"}}) == "new/f");
}

}  // namespace
}  // namespace berth::cli::archive

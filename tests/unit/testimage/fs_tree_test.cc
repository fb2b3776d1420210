#include "tests/testimage/fs_tree.h"

#include <catch2/catch.hpp>

#include "tests/testutil/status_testing.h"

namespace berth::testimage {
namespace {

std::vector<std::string> Paths(const FsTree& tree) {
  std::vector<std::string> out;
  for (const FsEntry* e : tree.Sorted()) out.push_back(e->path);
  return out;
}

TEST_CASE("FsTree adds parents and normalizes paths", "[testimage][fs_tree]") {
  FsTree tree;
  REQUIRE_OK(tree.AddFile("/usr//local/bin/tool", "x", 0755));
  CHECK(Paths(tree) ==
        std::vector<std::string>{"usr", "usr/local", "usr/local/bin", "usr/local/bin/tool"});
  CHECK(tree.Contains("/usr/local/"));
}

TEST_CASE("FsTree refuses escaping and conflicting paths", "[testimage][fs_tree]") {
  FsTree tree;
  CHECK(tree.AddFile("../etc/passwd", "x").code() == absl::StatusCode::kInvalidArgument);
  CHECK(tree.AddFile("a/../../b", "x").code() == absl::StatusCode::kInvalidArgument);
  CHECK(tree.AddDir("/").code() == absl::StatusCode::kInvalidArgument);
  REQUIRE_OK(tree.AddFile("etc/file", "x"));
  CHECK(tree.AddFile("etc/file/child", "x").code() == absl::StatusCode::kInvalidArgument);
  CHECK(tree.AddFile("etc", "x").code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("FsTree orders whiteouts before their siblings", "[testimage][fs_tree]") {
  FsTree tree;
  REQUIRE_OK(tree.AddFile("opt/app/-dash", "x"));
  REQUIRE_OK(tree.AddFile("opt/app/0zero", "x"));
  REQUIRE_OK(tree.AddWhiteout("opt/app/old"));
  REQUIRE_OK(tree.AddOpaqueDir("opt/app"));
  REQUIRE_OK(tree.AddFile("opt-file", "x"));
  CHECK(Paths(tree) == std::vector<std::string>{"opt", "opt/app", "opt/app/.wh..wh..opq",
                                                "opt/app/.wh.old", "opt/app/-dash", "opt/app/0zero",
                                                "opt-file"});
}

}  // namespace
}  // namespace berth::testimage

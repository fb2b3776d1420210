#include "tests/testimage/cli.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/spawn.h"
#include "common/strings.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::testimage {
namespace {

using berth::testing::BinaryPath;
using berth::testing::TempDir;
using berth::testing::ValueOrFail;

SpawnResult RunTool(std::vector<std::string> args) {
  SpawnOptions opts;
  opts.argv = {BinaryPath("berth-testimage")};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  return ValueOrFail(RunAndCapture(opts));
}

TEST_CASE("SplitShellWords", "[testimage][cli]") {
  using V = std::vector<std::string>;
  CHECK(ValueOrFail(SplitShellWords("sh -c 'echo hi; exit 3'")) ==
        V{"sh", "-c", "echo hi; exit 3"});
  CHECK(ValueOrFail(SplitShellWords("  a  \"b \\\"c\\\" $d\" e\\ f ")) ==
        V{"a", "b \"c\" $d", "e f"});
  CHECK(ValueOrFail(SplitShellWords("x''y \"\"")) == V{"xy", ""});
  CHECK(ValueOrFail(SplitShellWords("")).empty());
  CHECK_FALSE(SplitShellWords("sh -c 'oops").ok());
  CHECK_FALSE(SplitShellWords("a\\").ok());
}

TEST_CASE("berth-testimage bundle writes a bundle", "[testimage][cli]") {
  TempDir tmp;
  SpawnResult r =
      RunTool({"bundle", tmp.Sub("b"), "--args", "sh -c 'echo hi'", "--terminal", "--rw"});
  INFO(r.err);
  REQUIRE(r.status.success());
  json::Json config =
      ValueOrFail(json::Parse(ValueOrFail(ReadFile(tmp.Sub("b/config.json"))), "config"));
  CHECK(config["process"]["args"] == json::Json{"sh", "-c", "echo hi"});
  CHECK(config["process"]["terminal"] == true);
  CHECK(config["root"]["readonly"] == false);
  CHECK(PathExists(tmp.Sub("b/rootfs/bin/busybox")));
}

TEST_CASE("berth-testimage oci-layout prints what it wrote", "[testimage][cli]") {
  TempDir tmp;
  SpawnResult r =
      RunTool({"oci-layout", tmp.Sub("l"), "--tag", "v3", "--layers", "2", "--no-gzip"});
  INFO(r.err);
  REQUIRE(r.status.success());
  json::Json out = ValueOrFail(json::Parse(r.out, "stdout"));
  CHECK(out["ref_name"] == "v3");
  REQUIRE(out["layers"].size() == 2);
  CHECK(out["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar");
  CHECK(PathExists(tmp.Sub("l/index.json")));
}

TEST_CASE("berth-testimage errors are one line and exit 1", "[testimage][cli]") {
  TempDir tmp;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"no-such-command"},
           {"rootfs"},
           {"oci-layout", tmp.Sub("x"), "--layers", "0"},
           {"rootfs", tmp.Sub("r"), "--busybox", tmp.Sub("missing")},
           {"docker-archive", tmp.Sub("d.tar"), "--tag", "name:"},
       }) {
    SpawnResult r = RunTool(args);
    INFO(Join(args, " ") << " -> " << r.err);
    CHECK(r.status.code == 1);
    CHECK(r.err.starts_with("berth-testimage: "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

}  // namespace
}  // namespace berth::testimage

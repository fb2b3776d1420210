#include "cli/archive/local_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::cli::archive {
namespace {

using testing::TempDir;
using testing::ValueOrFail;

TEST_CASE("local paths: a source link is kept, or followed with -L", "[cli][archive]") {
  TempDir dir("cp-local");
  REQUIRE_OK(MkdirAll(dir.Sub("real")));
  REQUIRE(symlink("real", dir.Sub("link").c_str()) == 0);
  CopyInfo kept = ValueOrFail(CopyInfoSourcePath(dir.Sub("link"), false));
  CHECK(kept.path == dir.Sub("link"));
  CHECK_FALSE(kept.is_dir);
  CopyInfo followed = ValueOrFail(CopyInfoSourcePath(dir.Sub("link"), true));
  CHECK(followed.path == dir.Sub("real"));
  CHECK(followed.is_dir);
  CHECK(followed.rebase_name == "link");
  // A link before the last element is always resolved.
  CopyInfo through = ValueOrFail(CopyInfoSourcePath(dir.Sub("link") + "/.", false));
  CHECK(through.path == dir.Sub("real") + "/.");
  absl::StatusOr<CopyInfo> missing = CopyInfoSourcePath(dir.Sub("nope"), false);
  REQUIRE_FALSE(missing.ok());
  CHECK(std::string(missing.status().message()) ==
        "lstat " + dir.Sub("nope") + ": no such file or directory");
}

TEST_CASE("local paths: destinations and output path checks", "[cli][archive]") {
  TempDir dir("cp-local");
  REQUIRE_OK(MkdirAll(dir.Sub("d")));
  REQUIRE(symlink("d", dir.Sub("to-d").c_str()) == 0);
  CopyInfo via_link = ValueOrFail(CopyInfoDestinationPath(dir.Sub("to-d")));
  CHECK(via_link.path == dir.Sub("d"));
  CHECK(via_link.is_dir);
  CopyInfo fresh = ValueOrFail(CopyInfoDestinationPath(dir.Sub("new")));
  CHECK_FALSE(fresh.exists);
  CHECK_FALSE(CopyInfoDestinationPath(dir.Sub("no/new")).ok());

  CHECK(ValidateOutputPath(dir.Sub("new")).ok());
  CHECK(ValidateOutputPath(dir.Sub("d")).ok());
  absl::Status no_parent = ValidateOutputPath(dir.Sub("no/new"));
  CHECK(std::string(no_parent.message()) ==
        "invalid output path: directory \"" + dir.Sub("no") + "\" does not exist");
}

}  // namespace
}  // namespace berth::cli::archive

#include "runtime/linux/hooks.h"

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/temp_dir.h"

namespace berth::runtime::linux {
namespace {

TEST_CASE("hooks get the state on stdin, their args and env", "[hooks]") {
  testing::TempDir dir;
  spec::Hook hook;
  hook.path = "/bin/sh";
  hook.args = {"sh", "-c", "cat > " + dir.Sub("state") + "; echo $0 $FOO > " + dir.Sub("env")};
  hook.env = {"FOO=bar"};
  REQUIRE(RunHooks({hook}, "prestart", "{\"id\":\"x\"}").ok());
  CHECK(*ReadFile(dir.Sub("state")) == "{\"id\":\"x\"}");
  CHECK(*ReadFile(dir.Sub("env")) == "sh bar\n");
}

TEST_CASE("a failing hook stops the rest and names itself", "[hooks]") {
  testing::TempDir dir;
  spec::Hook bad{"/bin/sh", {"sh", "-c", "echo broken >&2; exit 4"}, {}, std::nullopt};
  spec::Hook after{"/bin/sh", {"sh", "-c", "touch " + dir.Sub("ran")}, {}, std::nullopt};
  absl::Status s = RunHooks({bad, after}, "createRuntime", "{}");
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()) == "createRuntime hook /bin/sh failed: exit status 4: broken");
  CHECK_FALSE(PathExists(dir.Sub("ran")));
}

TEST_CASE("a hook past its timeout is killed", "[hooks]") {
  spec::Hook slow{"/bin/sleep", {"sleep", "30"}, {}, 1};
  absl::Status s = RunHooks({slow}, "poststart", "{}");
  CHECK(absl::IsDeadlineExceeded(s));
}

TEST_CASE("a missing hook binary is an error", "[hooks]") {
  spec::Hook missing{"/nonexistent/hook", {}, {}, std::nullopt};
  absl::Status s = RunHooks({missing}, "prestart", "{}");
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("/nonexistent/hook") != std::string::npos);
}

}  // namespace
}  // namespace berth::runtime::linux

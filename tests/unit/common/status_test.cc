#include "common/status.h"

#include <errno.h>

#include <catch2/catch.hpp>

namespace berth {
namespace {

absl::Status Fails() { return InvalidArgumentf("bad {}", 42); }
absl::Status Chain() {
  BERTH_RETURN_IF_ERROR(Fails());
  return absl::OkStatus();
}
absl::StatusOr<int> Value(bool ok) {
  if (!ok) return NotFoundf("no value");
  return 7;
}
absl::StatusOr<int> Doubled(bool ok) {
  BERTH_ASSIGN_OR_RETURN(int v, Value(ok));
  return v * 2;
}

TEST_CASE("ErrnoErrorf keeps the errno and names the call", "[status]") {
  absl::Status s = ErrnoErrorf(ENOENT, "open {}", "/x");
  CHECK(absl::IsNotFound(s));
  CHECK(std::string(s.message()) == "open /x: No such file or directory");
  REQUIRE(ErrnoOf(s).has_value());
  CHECK(*ErrnoOf(s) == ENOENT);
  CHECK_FALSE(ErrnoOf(InvalidArgumentf("x")).has_value());
}

TEST_CASE("WithContext prepends and keeps code and payload", "[status]") {
  absl::Status s = WithContext(ErrnoErrorf(EACCES, "write f"), "apply limits");
  CHECK(absl::IsPermissionDenied(s));
  CHECK(std::string(s.message()) == "apply limits: write f: Permission denied");
  CHECK(ErrnoOf(s) == EACCES);
  CHECK(WithContext(absl::OkStatus(), "x").ok());
}

TEST_CASE("return and assign macros propagate", "[status]") {
  CHECK(absl::IsInvalidArgument(Chain()));
  CHECK(*Doubled(true) == 14);
  CHECK(absl::IsNotFound(Doubled(false).status()));
}

TEST_CASE("statuses format with fmt", "[status]") {
  CHECK(fmt::format("{}", absl::OkStatus()) == "ok");
  CHECK(fmt::format("[{}]", InvalidArgumentf("bad")) == "[bad]");
}

}  // namespace
}  // namespace berth

#include "common/time_util.h"

#include <catch2/catch.hpp>

namespace berth {
namespace {

TEST_CASE("RFC 3339 nano formatting drops trailing zeros like Go", "[time]") {
  CHECK(FormatRfc3339Nano({0, 0}) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339Nano({1, 500000000}) == "1970-01-01T00:00:01.5Z");
  CHECK(FormatRfc3339Nano({1, 1}) == "1970-01-01T00:00:01.000000001Z");
}

TEST_CASE("RFC 3339 parsing round-trips and handles offsets", "[time]") {
  auto t = ParseRfc3339("2026-11-24T06:15:52.038Z");
  REQUIRE(t.ok());
  CHECK(FormatRfc3339Nano(*t) == "2026-11-24T06:15:52.038Z");
  auto o = ParseRfc3339("2026-11-24T08:15:52+02:00");
  REQUIRE(o.ok());
  CHECK(FormatRfc3339Nano(*o) == "2026-11-24T06:15:52Z");
  CHECK_FALSE(ParseRfc3339("yesterday").ok());
  CHECK_FALSE(ParseRfc3339("2026-11-24T06:15:52").ok());
}

}  // namespace
}  // namespace berth

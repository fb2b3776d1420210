#include "common/json_util.h"

#include <catch2/catch.hpp>

namespace berth::json {
namespace {

TEST_CASE("Parse reports where the JSON breaks", "[json]") {
  absl::StatusOr<Json> j = Parse("{\"a\": tru}", "config.json");
  REQUIRE_FALSE(j.ok());
  std::string m(j.status().message());
  CHECK(m.rfind("config.json: ", 0) == 0);
  CHECK(m.find("line 1") != std::string::npos);
  CHECK(Parse("", "x").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("View conversions name the JSON path", "[json]") {
  Json j = *Parse(R"({"linux":{"namespaces":[{"type":1}]},"n":-1,"big":5000000000})", "c");
  View root(j, "");
  View ns = root.Member("linux")->Member("namespaces")->At(0);
  std::string type;
  absl::Status s = ns.Require("type", &type);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()) == "linux.namespaces[0].type: expected a string, got number");
  uint32_t u = 0;
  CHECK_FALSE(root.Get("n", &u).ok());
  CHECK_FALSE(root.Get("big", &u).ok());
  int64_t big = 0;
  REQUIRE(root.Get("big", &big).ok());
  CHECK(big == 5000000000);
  std::optional<int32_t> missing;
  REQUIRE(root.Get("absent", &missing).ok());
  CHECK_FALSE(missing.has_value());
  CHECK(std::string(root.Require("absent", &type).message()) == "absent: required but missing");
}

TEST_CASE("Dump never throws on invalid UTF-8", "[json]") {
  Json j = std::string("\xff\xfe");
  CHECK_FALSE(Dump(j).empty());
}

}  // namespace
}  // namespace berth::json

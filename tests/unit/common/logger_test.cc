#include "common/logger.h"

#include <catch2/catch.hpp>

#include "common/json_util.h"

namespace berth::log {
namespace {

TEST_CASE("JSON records are what runc callers parse", "[logger]") {
  std::string line = FormatRecord(Level::kError, "mount \"proc\": denied", Format::kJson);
  REQUIRE(line.back() == '\n');
  auto j = json::Parse(line, "log");
  REQUIRE(j.ok());
  CHECK((*j)["level"] == "error");
  CHECK((*j)["msg"] == "mount \"proc\": denied");
  CHECK((*j)["time"].is_string());
}

TEST_CASE("text records are logrus-like", "[logger]") {
  std::string line = FormatRecord(Level::kWarning, "a \"b\"", Format::kText);
  CHECK(line.find("level=warning msg=\"a \\\"b\\\"\"") != std::string::npos);
}

TEST_CASE("levels and formats parse", "[logger]") {
  Level l;
  CHECK(ParseLevel("warn", &l).ok());
  CHECK(l == Level::kWarning);
  CHECK_FALSE(ParseLevel("loud", &l).ok());
  Format f;
  CHECK(ParseFormat("json", &f).ok());
  CHECK_FALSE(ParseFormat("xml", &f).ok());
}

}  // namespace
}  // namespace berth::log

#include "cli/commands/system_util.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>

#include "cli/commands/system_prune.h"
#include "common/time_util.h"

namespace berth::cli {
namespace {

// Runs `fn` with TZ set to `zone`, then restores the environment's zone.
template <typename Fn>
auto InZone(const char* zone, Fn fn) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", zone, 1);
  tzset();
  auto result = fn();
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  return result;
}

TEST_CASE("NaturalLess orders as docker's sortorder", "[cli][system]") {
  CHECK(NaturalLess("vol2", "vol10"));
  CHECK_FALSE(NaturalLess("vol10", "vol2"));
  CHECK(NaturalLess("a", "b"));
  CHECK(NaturalLess("1abc", "abc"));  // digits first
  CHECK(NaturalLess("v01", "v001") != NaturalLess("v001", "v01"));
  CHECK(NaturalLess("v1", "v01"));  // fewer zeros first
  CHECK(NaturalLess("abc", "abcd"));
  CHECK_FALSE(NaturalLess("same", "same"));
}

TEST_CASE("ParseGoDuration reads Go's durations", "[cli][system]") {
  CHECK(ParseGoDuration("10m").value() == 600'000'000'000);
  CHECK(ParseGoDuration("1h30m").value() == 5'400'000'000'000);
  CHECK(ParseGoDuration("1.5s").value() == 1'500'000'000);
  CHECK(ParseGoDuration("300ms").value() == 300'000'000);
  CHECK(ParseGoDuration("-2s").value() == -2'000'000'000);
  CHECK(ParseGoDuration("0").value() == 0);
  CHECK_FALSE(ParseGoDuration("10").ok());
  CHECK_FALSE(ParseGoDuration("5x").ok());
  CHECK_FALSE(ParseGoDuration("").ok());
}

TEST_CASE("DockerTimestamp converts --since and --until as docker does", "[cli][system]") {
  const int64_t now = 1'796'242'658'995'132'565;
  CHECK(DockerTimestamp("10m", now).value() == "1796242058");
  CHECK(DockerTimestamp("0s", now).value() == "1796242658");
  CHECK(DockerTimestamp("1796242000", now).value() == "1796242000");
  CHECK(DockerTimestamp("1796242000.5", now).value() == "1796242000.5");
  CHECK(DockerTimestamp("2026-12-02T18:40:49Z", now).value() == "1796236849.000000000");
  CHECK(DockerTimestamp("2026-12-02T18:40:49.25+01:00", now).value() == "1796233249.250000000");
  CHECK(InZone("UTC", [&] { return DockerTimestamp("2026-12-02", now).value(); }) ==
        "1796169600.000000000");
  CHECK(InZone("UTC", [&] { return DockerTimestamp("2026-12-02T18:40", now).value(); }) ==
        "1796236800.000000000");
  absl::StatusOr<std::string> bad = DockerTimestamp("yesterday", now);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "failed to parse value as time or duration: \"yesterday\"");
  CHECK_FALSE(DockerTimestamp("2026-13-45T99", now).ok());
}

TEST_CASE("EventLine prints docker's default event line", "[cli][system]") {
  nlohmann::json e = {
      {"Type", "container"},
      {"Action", "start"},
      {"Actor", {{"ID", "abc"}, {"Attributes", {{"name", "web"}, {"image", "busybox"}}}}},
      {"time", 1796236849},
      {"timeNano", 1796236849123456789}};
  CHECK(InZone("UTC", [&] { return EventLine(e); }) ==
        "2026-12-02T18:40:49.123456789Z container start abc (image=busybox, name=web)");
  CHECK(InZone("UTC-2", [&] { return EventLine(e); }) ==
        "2026-12-02T20:40:49.123456789+02:00 container start abc (image=busybox, name=web)");
  nlohmann::json bare = {{"Type", "volume"}, {"Action", "create"}, {"Actor", {{"ID", "v"}}}};
  CHECK(EventLine(bare) == "volume create v");
  bare["time"] = 1796236849;
  CHECK(InZone("UTC", [&] { return EventLine(bare); }) ==
        "2026-12-02T18:40:49.000000000Z volume create v");
}

TEST_CASE("TabWrite aligns as docker's version and top", "[cli][system]") {
  CHECK(TabWrite("Client:\n Version:\t1.0\n API version:\t1.43\n", 20, 1, 1) ==
        "Client:\n Version:           1.0\n API version:       1.43\n");
  CHECK(TabWrite("PID\tCMD\n1\tsleep 300\n", 20, 1, 3) ==
        "PID                 CMD\n1                   sleep 300\n");
}

TEST_CASE("SystemPruneWarning lists what goes, as docker", "[cli][system]") {
  CHECK(SystemPruneWarning(false, false, {}) ==
        "WARNING! This will remove:\n"
        "  - all stopped containers\n"
        "  - all networks not used by at least one container\n"
        "  - all dangling images\n"
        "  - unused build cache\n");
  CHECK(SystemPruneWarning(true, true, {"label=b", "until=1h", "label=a", "dangling=true"}) ==
        "WARNING! This will remove:\n"
        "  - all stopped containers\n"
        "  - all networks not used by at least one container\n"
        "  - all anonymous volumes not used by at least one container\n"
        "  - all images without at least one container associated to them\n"
        "  - all build cache\n"
        "\n"
        "  Items to be pruned will be filtered with:\n"
        "  - label=a\n"
        "  - label=b\n"
        "  - until=1h\n");
}

}  // namespace
}  // namespace berth::cli

#include "engined/daemon/path_stat.h"

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"

namespace berth::engined {
namespace {

TEST_CASE("GoFileMode: Go's os.FileMode bits for each file type", "[path-stat]") {
  CHECK(GoFileMode(S_IFREG | 0644) == 0644);
  CHECK(GoFileMode(S_IFDIR | 0755) == ((1u << 31) | 0755));
  CHECK(GoFileMode(S_IFLNK | 0777) == ((1u << 27) | 0777));
  CHECK(GoFileMode(S_IFCHR | 0620) == ((1u << 26) | (1u << 21) | 0620));
  CHECK(GoFileMode(S_IFBLK | 0660) == ((1u << 26) | 0660));
  CHECK(GoFileMode(S_IFIFO | 0600) == ((1u << 25) | 0600));
  CHECK(GoFileMode(S_IFSOCK | 0755) == ((1u << 24) | 0755));
  CHECK(GoFileMode(S_IFREG | S_ISUID | 0755) == ((1u << 23) | 0755));
  CHECK(GoFileMode(S_IFREG | S_ISGID | 0755) == ((1u << 22) | 0755));
  CHECK(GoFileMode(S_IFDIR | S_ISVTX | 0777) == ((1u << 31) | (1u << 20) | 0777));
}

TEST_CASE("PathStatHeader: base64 of docker's ContainerPathStat JSON", "[path-stat]") {
  PathStat stat{"passwd", 42, 0644, {1700000000, 123000000}, ""};
  std::string json;
  REQUIRE(absl::Base64Unescape(PathStatHeader(stat), &json));
  CHECK(
      json ==
      R"({"linkTarget":"","mode":420,"mtime":"2023-11-14T22:13:20.123Z","name":"passwd","size":42})");
  PathStat link{"pw", 11, GoFileMode(S_IFLNK | 0777), {0, 0}, "/etc/passwd"};
  CHECK(PathStatJson(link)["linkTarget"] == "/etc/passwd");
  CHECK(PathStatJson(link)["mode"] == 134218239);
}

TEST_CASE("docker cp path rules: base names and trailing dot or slash", "[path-stat]") {
  CHECK(GoBase("/etc/passwd") == "passwd");
  CHECK(GoBase("/etc/") == "etc");
  CHECK(GoBase("/etc/.") == ".");
  CHECK(GoBase("/") == "/");
  CHECK(GoBase("") == ".");
  CHECK(ContainerAbsPath("etc") == "/etc");
  CHECK(ContainerAbsPath("/etc/") == "/etc/");
  CHECK(ContainerAbsPath("/etc/.") == "/etc/.");
  CHECK(ContainerAbsPath("/tmp/../etc//passwd") == "/etc/passwd");
  CHECK(ContainerAbsPath("../../x") == "/x");
  CHECK(ContainerAbsPath("/") == "/");
  CHECK(ContainerAbsPath(".") == "/.");
}

}  // namespace
}  // namespace berth::engined

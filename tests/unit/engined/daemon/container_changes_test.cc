// OverlayChanges on upper and lower trees built in a temp dir. Whiteouts
// (character devices 0:0, mknod needs root) and opaque directories
// (trusted.* xattrs) are covered by the docker diff integration test.
#include "engined/daemon/container_changes.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined {
namespace {

std::string Render(const std::vector<Change>& changes) {
  std::string out;
  for (const Change& c : changes) {
    out += "CAD"[static_cast<int>(c.kind)];
    out += " " + c.path + "\n";
  }
  return out;
}

void SameTimes(const std::string& a, const std::string& b) {
  struct stat st;
  REQUIRE(stat(a.c_str(), &st) == 0);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  REQUIRE(utimensat(AT_FDCWD, b.c_str(), times, 0) == 0);
}

TEST_CASE("OverlayChanges: added, modified, parents, and docker's walk order", "[changes]") {
  berth::testing::TempDir dir;
  std::string lower = dir.Sub("lower"), upper = dir.Sub("upper");
  for (const char* d :
       {"lower/etc", "lower/var/lib", "upper/etc", "upper/var/lib/a", "upper/var/lib/a.b"}) {
    REQUIRE(MkdirAll(dir.Sub(d)).ok());
  }
  REQUIRE(WriteFile(dir.Sub("lower/etc/passwd"), "root\n").ok());
  REQUIRE(WriteFile(dir.Sub("upper/etc/passwd"), "root\nmore\n").ok());
  REQUIRE(WriteFile(dir.Sub("upper/var/lib/a/x"), "").ok());
  REQUIRE(WriteFile(dir.Sub("upper/new"), "").ok());
  // Copied up only as the parent of a change: same mode, size and mtime.
  SameTimes(dir.Sub("lower/etc"), dir.Sub("upper/etc"));
  SameTimes(dir.Sub("lower/var"), dir.Sub("upper/var"));
  SameTimes(dir.Sub("lower/var/lib"), dir.Sub("upper/var/lib"));

  absl::StatusOr<std::vector<Change>> changes = OverlayChanges(upper, {lower});
  REQUIRE(changes.ok());
  // Each directory before its contents, names in byte order ("a" < "a.b"
  // as whole names, so "a/x" comes before "a.b").
  CHECK(Render(*changes) ==
        "C /etc/passwd\n"
        "A /new\n"
        "C /var/lib\n"
        "A /var/lib/a\n"
        "A /var/lib/a/x\n"
        "A /var/lib/a.b\n");
  CHECK(ChangesJson(*changes)[0] == nlohmann::json{{"Path", "/etc/passwd"}, {"Kind", 0}});
  CHECK(ChangesJson(*changes)[1]["Kind"] == 1);
}

TEST_CASE("OverlayChanges: the runtime's mount points are no change", "[changes]") {
  berth::testing::TempDir dir;
  std::string lower = dir.Sub("lower"), upper = dir.Sub("upper");
  REQUIRE(MkdirAll(dir.Sub("lower/etc")).ok());
  REQUIRE(MkdirAll(dir.Sub("upper/etc")).ok());
  REQUIRE(MkdirAll(dir.Sub("upper/dev/pts")).ok());
  REQUIRE(MkdirAll(dir.Sub("upper/proc")).ok());
  REQUIRE(WriteFile(dir.Sub("upper/etc/resolv.conf"), "").ok());
  REQUIRE(WriteFile(dir.Sub("upper/etc/hostname"), "").ok());
  absl::StatusOr<std::vector<Change>> changes = OverlayChanges(upper, {lower});
  REQUIRE(changes.ok());
  CHECK(Render(*changes).empty());

  REQUIRE(WriteFile(dir.Sub("upper/etc/motd"), "hi").ok());
  changes = OverlayChanges(upper, {lower});
  REQUIRE(changes.ok());
  CHECK(Render(*changes) == "C /etc\nA /etc/motd\n");
}

TEST_CASE("OverlayChanges: a lower layer is searched topmost first", "[changes]") {
  berth::testing::TempDir dir;
  REQUIRE(MkdirAll(dir.Sub("top")).ok());
  REQUIRE(MkdirAll(dir.Sub("bottom/opt")).ok());
  REQUIRE(MkdirAll(dir.Sub("upper/opt")).ok());
  REQUIRE(WriteFile(dir.Sub("upper/opt/tool"), "").ok());
  REQUIRE(WriteFile(dir.Sub("bottom/opt/tool"), "old").ok());
  absl::StatusOr<std::vector<Change>> changes =
      OverlayChanges(dir.Sub("upper"), {dir.Sub("top"), dir.Sub("bottom")});
  REQUIRE(changes.ok());
  CHECK(Render(*changes).find("C /opt/tool\n") != std::string::npos);
  CHECK_FALSE(OverlayChanges(dir.Sub("missing"), {}).ok());
}

}  // namespace
}  // namespace berth::engined

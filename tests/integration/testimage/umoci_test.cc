// umoci unpacks the OCI layouts berth_testimage writes and applies their
// whiteouts the way the OCI image spec says.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/integration/testimage/image_tools.h"
#include "tests/testimage/oci_layout.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testimage {
namespace {

using berth::testing::TempDir;
using berth::testing::ValueOrFail;

std::string Unpack(const std::string& umoci, const std::string& image, const std::string& out) {
  std::vector<std::string> argv = {umoci, "unpack"};
  if (geteuid() != 0) argv.push_back("--rootless");
  argv.insert(argv.end(), {"--image", image, out});
  SpawnResult r = RunTool(argv);
  INFO(r.err);
  REQUIRE(r.status.success());
  return out + "/rootfs";
}

TEST_CASE("umoci unpacks the busybox rootfs", "[testimage][umoci]") {
  std::string umoci = RequireProgram("umoci");
  TempDir tmp;
  ImageOptions opts;
  opts.rootfs.extra_files.push_back({"/bin/busybox", "/usr/local/bin/extra", 0700});
  ValueOrFail(CreateOciLayout(tmp.Sub("layout"), opts));
  std::string rootfs = Unpack(umoci, tmp.Sub("layout") + ":latest", tmp.Sub("bundle"));

  struct stat st;
  REQUIRE(::lstat((rootfs + "/bin/busybox").c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0755);
  REQUIRE(::lstat((rootfs + "/bin/sh").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  REQUIRE(::lstat((rootfs + "/tmp").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 01777);
  REQUIRE(::lstat((rootfs + "/usr/local/bin/extra").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  CHECK(PathExists(rootfs + "/etc/passwd"));
  // umoci also writes a runtime config for the bundle.
  CHECK(PathExists(tmp.Sub("bundle/config.json")));
}

TEST_CASE("umoci honours whiteouts and opaque directories", "[testimage][umoci]") {
  std::string umoci = RequireProgram("umoci");
  TempDir tmp;
  ImageOptions opts;
  opts.layers = SampleLayers(4);
  opts.tag = "layered";
  ValueOrFail(CreateOciLayout(tmp.Sub("layout"), opts));
  std::string rootfs = Unpack(umoci, tmp.Sub("layout") + ":layered", tmp.Sub("bundle"));

  CHECK(PathExists(rootfs + "/bin/busybox"));
  // Layer 2 adds files and deletes mnt/ and usr/bin/yes from layer 1.
  CHECK(ValueOrFail(ReadFile(rootfs + "/etc/motd")) == "berth test image\n");
  CHECK_FALSE(PathExists(rootfs + "/mnt"));
  CHECK_FALSE(PathExists(rootfs + "/usr/bin/yes"));
  CHECK(PathExists(rootfs + "/usr/bin/env"));
  // Layer 3 makes opt/berth opaque: a.txt and b.txt from layer 2 are gone.
  CHECK_FALSE(PathExists(rootfs + "/opt/berth/a.txt"));
  CHECK_FALSE(PathExists(rootfs + "/opt/berth/b.txt"));
  CHECK(ValueOrFail(ReadFile(rootfs + "/opt/berth/c.txt")) == "c\n");
  // Layer 4 adds one file. No whiteout markers leak into the rootfs.
  CHECK(ValueOrFail(ReadFile(rootfs + "/etc/berth-layer-4")) == "4\n");
  CHECK_FALSE(PathExists(rootfs + "/.wh.mnt"));
  CHECK_FALSE(PathExists(rootfs + "/opt/berth/.wh..wh..opq"));
}

}  // namespace
}  // namespace berth::testimage

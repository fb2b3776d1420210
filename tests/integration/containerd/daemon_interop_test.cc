// Images made by skopeo and umoci, imported, unpacked and run through
// berth-containerd (the library-level skopeo test is in
// containerd_images/unpack_test.cc).
#include <catch2/catch.hpp>
#include <filesystem>

#include "common/file_util.h"
#include "common/spawn.h"
#include "tests/integration/containerd/image_helpers.h"
#include "tests/testimage/fs_tree.h"
#include "tests/testimage/tar_writer.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

// Runs `argv`; "" on exit 0, else what it printed.
std::string Run(DaemonFixture& f, const std::vector<std::string>& argv) {
  SpawnOptions spawn;
  spawn.argv = argv;
  absl::StatusOr<SpawnResult> r = RunCommand(spawn, "", std::chrono::seconds(120), f.Path(""));
  if (!r.ok()) return r.status().ToString();
  return r->status.success() ? "" : r->out + r->err;
}

// The OCI layout at `dir` (directories and files only) as a tarball.
void TarLayout(const std::string& dir, const std::string& tarball) {
  testimage::FsTree tree;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    std::string rel = std::filesystem::relative(entry.path(), dir).string();
    if (entry.is_directory()) {
      REQUIRE(tree.AddDir(rel).ok());
    } else {
      REQUIRE(entry.is_regular_file());
      REQUIRE(tree.AddFile(rel, *ReadFile(entry.path().string())).ok());
    }
  }
  absl::StatusOr<std::string> tar = testimage::WriteTar(tree, 0);
  REQUIRE(tar.ok());
  REQUIRE(WriteFile(tarball, *tar).ok());
}

// Imports `tarball`, unpacks it and runs `args` on it; returns the exit
// status.
uint32_t ImportAndRun(DaemonFixture& f, const std::string& tarball, const std::string& id,
                      const std::vector<std::string>& args) {
  grpc::Status s;
  std::vector<ctrpb::Image> imported = ImportTarball(f, tarball, &s, "localhost/interop/" + id);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(imported.size() == 1);
  ctrpb::UnpackImageRequest unpack;
  unpack.set_name(imported[0].name());
  ctrpb::UnpackImageResponse unpacked;
  s = f.images().Unpack(Ctx().get(), unpack, &unpacked);
  INFO(s.error_message());
  REQUIRE(s.ok());
  std::string log;
  uint32_t status = RunOn(f, id, unpacked.chain_id(), args, &log);
  UNSCOPED_INFO(id << " log: " << log);
  return status;
}

TEST_CASE("archives written by skopeo import, unpack and run", "[containerd][images][interop]") {
  if (!PathExists("/usr/bin/skopeo")) Skip("skopeo is not installed");
  DaemonFixture f;
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(2);
  REQUIRE(testimage::CreateOciArchive(f.Path("image.tar"), options).ok());
  const std::string source = "oci-archive:" + f.Path("image.tar");
  REQUIRE(Run(f, {"/usr/bin/skopeo", "copy", source,
                  "docker-archive:" + f.Path("sk-docker.tar") + ":example.com/skopeo:docker"}) ==
          "");
  REQUIRE(Run(f, {"/usr/bin/skopeo", "copy", source,
                  "oci-archive:" + f.Path("sk-oci.tar") + ":example.com/skopeo:oci"}) == "");
  // Layer 2 added etc/motd and whited out /mnt.
  const std::vector<std::string> check = {"sh", "-c", "test -s /etc/motd && test ! -e /mnt"};
  CHECK(ImportAndRun(f, f.Path("sk-docker.tar"), "skdocker", check) == 0);
  CHECK(ImportAndRun(f, f.Path("sk-oci.tar"), "skoci", check) == 0);
}

TEST_CASE("an image repacked by umoci with a whiteout imports, unpacks and runs",
          "[containerd][images][interop]") {
  if (!PathExists("/usr/bin/umoci")) Skip("umoci is not installed");
  DaemonFixture f;
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(2);
  const std::string layout = f.Path("layout");
  REQUIRE(testimage::CreateOciLayout(layout, options).ok());
  const std::string bundle = f.Path("bundle");
  REQUIRE(Run(f, {"/usr/bin/umoci", "unpack", "--image", layout + ":latest", bundle}) == "");
  // A deletion (a whiteout in the new layer) and an addition.
  REQUIRE(std::filesystem::remove(bundle + "/rootfs/etc/motd"));
  REQUIRE(WriteFile(bundle + "/rootfs/umoci-added", "umoci\n").ok());
  REQUIRE(Run(f, {"/usr/bin/umoci", "repack", "--image", layout + ":umoci", bundle}) == "");
  std::filesystem::remove_all(bundle);
  // Only the repacked tag in the archive.
  REQUIRE(Run(f, {"/usr/bin/umoci", "rm", "--image", layout + ":latest"}) == "");
  TarLayout(layout, f.Path("umoci.tar"));
  CHECK(ImportAndRun(f, f.Path("umoci.tar"), "umoci",
                     {"sh", "-c", "grep -q umoci /umoci-added && test ! -e /etc/motd"}) == 0);
}

}  // namespace
}  // namespace berth::testing

// Images made by skopeo and umoci, imported, unpacked and run through
// berth-containerd (the library-level skopeo test is in
// containerd_images/unpack_test.cc).
#include <stdio.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/integration/containerd/diff_helpers.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

// Runs `argv`; "" on exit 0, else its output.
std::string Run(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const std::string& a : argv) cmd += "'" + a + "' ";
  cmd += "2>&1 </dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  return rc == 0 ? "" : (out.empty() ? "failed" : out);
}

// Imports `tarball`, unpacks it and runs `args` on it; returns the exit
// status.
uint32_t ImportAndRun(DaemonFixture& f, const std::string& tarball, const std::string& id,
                      const std::vector<std::string>& args) {
  auto context = Ctx();
  ctrpb::ImportImageResponse imported;
  auto writer = f.images().Import(context.get(), &imported);
  std::string data = ReadFile(tarball).value_or("");
  REQUIRE(!data.empty());
  for (size_t i = 0; i < data.size(); i += 100000) {
    ctrpb::ImportImageRequest chunk;
    if (i == 0) chunk.set_base_name("localhost/interop/" + id);
    chunk.set_data(data.substr(i, 100000));
    if (!writer->Write(chunk)) break;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(imported.images_size() == 1);

  ctrpb::UnpackImageRequest unpack;
  unpack.set_name(imported.images(0).name());
  ctrpb::UnpackImageResponse unpacked;
  s = f.images().Unpack(Ctx().get(), unpack, &unpacked);
  INFO(s.error_message());
  REQUIRE(s.ok());

  Prepare(f, id + "-rootfs", unpacked.chain_id());
  ctrpb::CreateContainerRequest create;
  *create.mutable_container() = f.ContainerRecord(id, args);
  create.mutable_container()->set_snapshotter("overlayfs");
  create.mutable_container()->set_snapshot_key(id + "-rootfs");
  ctrpb::CreateContainerResponse created;
  REQUIRE(f.containers().Create(Ctx().get(), create, &created).ok());
  ctrpb::CreateTaskRequest task;
  task.set_container_id(id);
  task.mutable_log()->set_format("json-file");
  task.mutable_log()->set_path(f.Path(id + ".log"));
  s = f.CreateTask(task);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(f.StartTask(id).ok());
  uint32_t status = f.WaitTask(id);
  UNSCOPED_INFO(id << " log: " << ReadFile(f.Path(id + ".log")).value_or(""));
  REQUIRE(f.DeleteTask(id).ok());
  ctrpb::DeleteContainerRequest del;
  del.set_id(id);
  google::protobuf::Empty empty;
  REQUIRE(f.containers().Delete(Ctx().get(), del, &empty).ok());
  REQUIRE(RemoveSnapshot(f, id + "-rootfs").ok());
  return status;
}

TEST_CASE("archives written by skopeo import, unpack and run", "[containerd][images][interop]") {
  if (!PathExists("/usr/bin/skopeo")) Skip("skopeo is not installed");
  DaemonFixture f;
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(2);
  REQUIRE(testimage::CreateOciArchive(f.Path("image.tar"), options).ok());
  const std::string source = "oci-archive:" + f.Path("image.tar");
  REQUIRE(Run({"skopeo", "copy", source, "docker-archive:" + f.Path("sk-docker.tar") +
                                             ":example.com/skopeo:docker"}) == "");
  REQUIRE(Run({"skopeo", "copy", source,
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
  REQUIRE(Run({"umoci", "unpack", "--image", layout + ":latest", bundle}) == "");
  // A deletion (a whiteout in the new layer) and an addition.
  REQUIRE(Run({"rm", "-f", bundle + "/rootfs/etc/motd"}) == "");
  REQUIRE(WriteFile(bundle + "/rootfs/umoci-added", "umoci\n").ok());
  REQUIRE(Run({"umoci", "repack", "--image", layout + ":umoci", bundle}) == "");
  REQUIRE(Run({"rm", "-rf", bundle}) == "");
  // Only the repacked tag in the archive.
  REQUIRE(Run({"umoci", "rm", "--image", layout + ":latest"}) == "");
  REQUIRE(Run({"tar", "-C", layout, "-cf", f.Path("umoci.tar"), "."}) == "");
  CHECK(ImportAndRun(f, f.Path("umoci.tar"), "umoci",
                     {"sh", "-c", "grep -q umoci /umoci-added && test ! -e /etc/motd"}) == 0);
}

}  // namespace
}  // namespace berth::testing

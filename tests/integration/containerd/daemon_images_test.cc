// Images through berth-containerd: import a multi-layer image, unpack it,
// run a task on it, push it to a real registry, pull it back, export it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "tests/integration/containerd/image_helpers.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/registry_server.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

TEST_CASE("an imported image is unpacked, run, pushed, pulled back and exported",
          "[containerd][images]") {
  DaemonFixture f;
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(3);
  absl::StatusOr<testimage::ImageInfo> built =
      testimage::CreateOciArchive(f.Path("image.tar"), options);
  REQUIRE(built.ok());

  grpc::Status s;
  std::vector<ctrpb::Image> imported = ImportTarball(f, f.Path("image.tar"), &s);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(imported.size() == 1);
  const std::string name = imported[0].name();
  CHECK(imported[0].target().digest() == built->manifest_digest);

  ctrpb::UnpackImageRequest unpack;
  unpack.set_name(name);
  ctrpb::UnpackImageResponse unpacked;
  s = f.images().Unpack(Ctx().get(), unpack, &unpacked);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(unpacked.layers_applied() == 3);

  // Layer 3 made /opt/berth opaque and added c.txt; layer 2 whited out /mnt.
  std::string log;
  CHECK(RunOn(f, "img1", unpacked.chain_id(),
              {"sh", "-c", "cat /opt/berth/c.txt; test ! -e /opt/berth/a.txt && test ! -e /mnt"},
              &log) == 0);

  // Push to a real registry, forget the image, pull it back and run it.
  RegistryServer registry;
  const std::string remote = registry.host() + "/berth/busybox:v1";
  s = PushImage(f, name, remote);
  INFO(s.error_message());
  REQUIRE(s.ok());
  ctrpb::DeleteImageRequest del;
  del.set_name(name);
  google::protobuf::Empty empty;
  REQUIRE(f.images().Delete(Ctx().get(), del, &empty).ok());
  {
    PullOutcome pulled = PullImage(f, remote, /*unpack=*/true);
    INFO(pulled.status.error_message());
    REQUIRE(pulled.status.ok());
    CHECK(!pulled.progress.empty());
    CHECK(pulled.last.image().name() == remote);
    CHECK(pulled.last.image().target().digest() == built->manifest_digest);
    // The layers were already there: the same chain.
    CHECK(pulled.last.chain_id() == unpacked.chain_id());
  }
  CHECK(RunOn(f, "img2", unpacked.chain_id(), {"cat", "/opt/berth/c.txt"}, &log) == 0);

  // Export as docker save, import again: the same image.
  {
    ctrpb::ExportImageRequest request;
    request.add_names(remote);
    request.set_format(ctrpb::ARCHIVE_FORMAT_DOCKER);
    auto context = Ctx();
    auto reader = f.images().Export(context.get(), request);
    std::string tar;
    ctrpb::ExportImageResponse chunk;
    while (reader->Read(&chunk)) tar += chunk.data();
    REQUIRE(reader->Finish().ok());
    REQUIRE(WriteFile(f.Path("export.tar"), tar).ok());
  }
  del.set_name(remote);
  REQUIRE(f.images().Delete(Ctx().get(), del, &empty).ok());
  imported = ImportTarball(f, f.Path("export.tar"), &s);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(imported.size() == 1);

  // Bad input.
  ctrpb::PullImageRequest bad;
  bad.set_reference("Not/A/Valid:Ref:erence");
  auto context = Ctx();
  auto reader = f.images().Pull(context.get(), bad);
  ctrpb::PullImageResponse ignored;
  while (reader->Read(&ignored)) {
  }
  CHECK(reader->Finish().error_code() == StatusCode::INVALID_ARGUMENT);
  ctrpb::PullImageRequest missing;
  missing.set_reference(registry.host() + "/berth/nothing:here");
  auto context2 = Ctx();
  auto reader2 = f.images().Pull(context2.get(), missing);
  while (reader2->Read(&ignored)) {
  }
  CHECK(reader2->Finish().error_code() == StatusCode::NOT_FOUND);
  REQUIRE(WriteFile(f.Path("garbage.tar"), std::string(4096, 'x')).ok());
  std::vector<ctrpb::Image> none = ImportTarball(f, f.Path("garbage.tar"), &s);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK(none.empty());
}

}  // namespace
}  // namespace berth::testing

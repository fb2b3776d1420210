// Images through berth-containerd: import a multi-layer image, unpack it,
// run a task on it, push it to a real registry, pull it back, export it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/registry_server.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

std::vector<ctrpb::Image> Import(DaemonFixture& f, const std::string& tarball,
                                 grpc::Status* status) {
  auto context = Ctx();
  ctrpb::ImportImageResponse response;
  auto writer = f.images().Import(context.get(), &response);
  std::string data = *ReadFile(tarball);
  for (size_t i = 0; i < data.size(); i += 100000) {
    ctrpb::ImportImageRequest chunk;
    if (i == 0) chunk.set_base_name("localhost/berth/busybox");
    chunk.set_data(data.substr(i, 100000));
    if (!writer->Write(chunk)) break;
  }
  writer->WritesDone();
  *status = writer->Finish();
  return {response.images().begin(), response.images().end()};
}

// Runs `args` on a writable snapshot of `chain_id`; returns the exit status
// and the log.
uint32_t RunOn(DaemonFixture& f, const std::string& id, const std::string& chain_id,
               const std::vector<std::string>& args, std::string* log) {
  // Under a lease until the container holds the snapshot: a collection
  // in between (after an earlier deletion) would take it.
  f.CreateLease(id + "-setup");
  ctrpb::PrepareSnapshotRequest prepare;
  prepare.set_key(id + "-rootfs");
  prepare.set_parent(chain_id);
  ctrpb::PrepareSnapshotResponse prepared;
  grpc::Status s =
      f.snapshots().Prepare(LeaseCtx("default", id + "-setup").get(), prepare, &prepared);
  INFO(s.error_message());
  REQUIRE(s.ok());
  ctrpb::CreateContainerRequest create;
  *create.mutable_container() = f.ContainerRecord(id, args);
  create.mutable_container()->set_snapshotter("overlayfs");
  create.mutable_container()->set_snapshot_key(id + "-rootfs");
  ctrpb::CreateContainerResponse created;
  REQUIRE(f.containers().Create(Ctx().get(), create, &created).ok());
  f.DeleteLease(id + "-setup");
  ctrpb::CreateTaskRequest task;
  task.set_container_id(id);
  task.mutable_log()->set_format("json-file");
  task.mutable_log()->set_path(f.Path(id + ".log"));
  s = f.CreateTask(task);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(f.StartTask(id).ok());
  uint32_t status = f.WaitTask(id);
  REQUIRE(f.DeleteTask(id).ok());
  *log = *ReadFile(f.Path(id + ".log"));
  ctrpb::DeleteContainerRequest del;
  del.set_id(id);
  google::protobuf::Empty empty;
  REQUIRE(f.containers().Delete(Ctx().get(), del, &empty).ok());
  ctrpb::RemoveSnapshotRequest remove;
  remove.set_key(id + "-rootfs");
  // The collector may have taken it already: nothing references it now.
  grpc::Status removed = f.snapshots().Remove(Ctx().get(), remove, &empty);
  CHECK((removed.ok() || removed.error_code() == StatusCode::NOT_FOUND));
  return status;
}

TEST_CASE("an imported image is unpacked, run, pushed, pulled back and exported",
          "[containerd][images]") {
  DaemonFixture f;
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(3);
  absl::StatusOr<testimage::ImageInfo> built =
      testimage::CreateOciArchive(f.Path("image.tar"), options);
  REQUIRE(built.ok());

  grpc::Status s;
  std::vector<ctrpb::Image> imported = Import(f, f.Path("image.tar"), &s);
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
  {
    ctrpb::PushImageRequest push;
    push.set_name(name);
    push.set_reference(remote);
    auto context = Ctx();
    auto reader = f.images().Push(context.get(), push);
    ctrpb::PushImageResponse progress;
    while (reader->Read(&progress)) {
    }
    s = reader->Finish();
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
  ctrpb::DeleteImageRequest del;
  del.set_name(name);
  google::protobuf::Empty empty;
  REQUIRE(f.images().Delete(Ctx().get(), del, &empty).ok());
  {
    ctrpb::PullImageRequest pull;
    pull.set_reference(remote);
    pull.set_unpack(true);
    auto context = Ctx();
    auto reader = f.images().Pull(context.get(), pull);
    ctrpb::PullImageResponse message, last;
    int progress = 0;
    while (reader->Read(&message)) {
      if (message.has_progress()) ++progress;
      if (message.has_image()) last = message;
    }
    s = reader->Finish();
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK(progress > 0);
    CHECK(last.image().name() == remote);
    CHECK(last.image().target().digest() == built->manifest_digest);
    CHECK(last.chain_id() == unpacked.chain_id());  // layers already there: the same chain
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
  imported = Import(f, f.Path("export.tar"), &s);
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
  std::vector<ctrpb::Image> none = Import(f, f.Path("garbage.tar"), &s);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK(none.empty());
}

}  // namespace
}  // namespace berth::testing

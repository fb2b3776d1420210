// Snapshots through berth-containerd, and a task whose root is a snapshot.
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "tests/integration/containerd/daemon_fixture.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

// The directory a bind mount returned by the snapshotter exposes.
std::string BindSource(const google::protobuf::RepeatedPtrField<ctrpb::Mount>& mounts) {
  REQUIRE(mounts.size() == 1);
  REQUIRE(mounts[0].type() == "bind");
  return mounts[0].source();
}

TEST_CASE("a task runs on a snapshot made through the Snapshots API", "[containerd][snapshots]") {
  DaemonFixture f;
  // Held by a lease, as a containerd client does: the container's deletion
  // below schedules a collection that would otherwise take both snapshots.
  f.CreateLease("snapshots-test");
  auto leased = [] { return LeaseCtx("default", "snapshots-test"); };
  // A base layer holding the busybox tree, committed.
  ctrpb::PrepareSnapshotRequest prepare;
  prepare.set_key("base-extract");
  ctrpb::PrepareSnapshotResponse prepared;
  grpc::Status s = f.snapshots().Prepare(leased().get(), prepare, &prepared);
  INFO(s.error_message());
  REQUIRE(s.ok());
  std::string base = BindSource(prepared.mounts());
  std::filesystem::copy(
      f.rootfs(), base,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  ctrpb::CommitSnapshotRequest commit;
  commit.set_name("base");
  commit.set_key("base-extract");
  google::protobuf::Empty empty;
  REQUIRE(f.snapshots().Commit(leased().get(), commit, &empty).ok());

  // The container's writable layer on top of it.
  prepare.set_key("snapc-rootfs");
  prepare.set_parent("base");
  REQUIRE(f.snapshots().Prepare(leased().get(), prepare, &prepared).ok());
  ctrpb::CreateContainerRequest create;
  *create.mutable_container() = f.ContainerRecord(
      "snapc", {"sh", "-c", "echo layer > /written; cat /written; test -x /bin/busybox"});
  // Writable root: the write must land in the container's own layer.
  nlohmann::json spec = nlohmann::json::parse(create.container().spec());
  spec["root"]["readonly"] = false;
  create.mutable_container()->set_spec(spec.dump());
  create.mutable_container()->set_snapshotter("overlayfs");
  create.mutable_container()->set_snapshot_key("snapc-rootfs");
  ctrpb::CreateContainerResponse created;
  REQUIRE(f.containers().Create(Ctx().get(), create, &created).ok());
  ctrpb::CreateTaskRequest task;
  task.set_container_id("snapc");
  task.mutable_log()->set_format("json-file");
  task.mutable_log()->set_path(f.Path("snapc.log"));
  s = f.CreateTask(task);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(f.StartTask("snapc").ok());
  CHECK(f.WaitTask("snapc") == 0);
  CHECK_THAT(*ReadFile(f.Path("snapc.log")), Catch::Contains(R"("log":"layer\n")"));
  REQUIRE(f.DeleteTask("snapc").ok());

  // The write went to the container's layer, not the base.
  CHECK_FALSE(PathExists(base + "/written"));
  ctrpb::UsageRequest usage;
  usage.set_key("snapc-rootfs");
  ctrpb::UsageResponse used;
  REQUIRE(f.snapshots().Usage(Ctx().get(), usage, &used).ok());
  CHECK(used.inodes() >= 1);

  ctrpb::ListSnapshotsRequest list;
  list.add_filters("kind==committed");
  ctrpb::ListSnapshotsResponse listed;
  REQUIRE(f.snapshots().List(Ctx().get(), list, &listed).ok());
  REQUIRE(listed.info_size() == 1);
  CHECK(listed.info(0).name() == "base");

  // A parent with children stays.
  ctrpb::RemoveSnapshotRequest remove;
  remove.set_key("base");
  CHECK(f.snapshots().Remove(Ctx().get(), remove, &empty).error_code() ==
        StatusCode::FAILED_PRECONDITION);
  ctrpb::DeleteContainerRequest del;
  del.set_id("snapc");
  REQUIRE(f.containers().Delete(Ctx().get(), del, &empty).ok());
  remove.set_key("snapc-rootfs");
  REQUIRE(f.snapshots().Remove(Ctx().get(), remove, &empty).ok());
  remove.set_key("base");
  REQUIRE(f.snapshots().Remove(Ctx().get(), remove, &empty).ok());

  ctrpb::StatSnapshotRequest stat;
  stat.set_key("base");
  ctrpb::StatSnapshotResponse stated;
  CHECK(f.snapshots().Stat(Ctx().get(), stat, &stated).error_code() == StatusCode::NOT_FOUND);
  stat.set_snapshotter("zfs");
  CHECK(f.snapshots().Stat(Ctx().get(), stat, &stated).error_code() == StatusCode::NOT_FOUND);
  f.DeleteLease("snapshots-test");
}

}  // namespace
}  // namespace berth::testing

// Leases and garbage collection through berth-containerd: what nothing
// references goes (blobs and snapshot directories included), what an image
// of another namespace, a lease or a container references stays.
#include <dirent.h>

#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "containerd/core/content/digest.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/testimage/testimage.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

std::vector<ctrpb::Image> Import(DaemonFixture& f, const std::string& tarball,
                                 const std::string& ns) {
  auto context = Ctx(ns);
  ctrpb::ImportImageResponse response;
  auto writer = f.images().Import(context.get(), &response);
  ctrpb::ImportImageRequest chunk;
  chunk.set_base_name("localhost/berth/busybox");
  chunk.set_data(*ReadFile(tarball));
  writer->Write(chunk);
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  INFO(s.error_message());
  REQUIRE(s.ok());
  return {response.images().begin(), response.images().end()};
}

std::string Unpack(DaemonFixture& f, const std::string& name, const std::string& ns) {
  ctrpb::UnpackImageRequest unpack;
  unpack.set_name(name);
  ctrpb::UnpackImageResponse unpacked;
  grpc::Status s = f.images().Unpack(Ctx(ns).get(), unpack, &unpacked);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return unpacked.chain_id();
}

std::set<std::string> ContentIn(DaemonFixture& f, const std::string& ns) {
  ctrpb::ListContentResponse listed;
  REQUIRE(f.content().List(Ctx(ns).get(), {}, &listed).ok());
  std::set<std::string> out;
  for (const ctrpb::ContentInfo& info : listed.info()) out.insert(info.digest());
  return out;
}

std::set<std::string> SnapshotsIn(DaemonFixture& f, const std::string& ns) {
  ctrpb::ListSnapshotsResponse listed;
  REQUIRE(f.snapshots().List(Ctx(ns).get(), {}, &listed).ok());
  std::set<std::string> out;
  for (const ctrpb::SnapshotInfo& info : listed.info()) out.insert(info.name());
  return out;
}

bool BlobOnDisk(DaemonFixture& f, const std::string& digest) {
  return PathExists(f.Path("root/content/blobs/sha256/") + digest.substr(7));
}

// Snapshot directories of the overlayfs snapshotter.
int SnapshotDirs(DaemonFixture& f) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(
      ::opendir(f.Path("root/snapshots/overlayfs/snapshots").c_str()), ::closedir);
  if (!d) return 0;
  int n = 0;
  while (dirent* e = ::readdir(d.get())) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
  }
  return n;
}

void CreateLease(DaemonFixture& f, const std::string& ns, const std::string& id,
                 const std::map<std::string, std::string>& labels = {}) {
  ctrpb::CreateLeaseRequest create;
  create.set_id(id);
  create.mutable_labels()->insert(labels.begin(), labels.end());
  ctrpb::CreateLeaseResponse created;
  grpc::Status s = f.leases().Create(Ctx(ns).get(), create, &created);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(created.lease().id() == id);
}

void DeleteLease(DaemonFixture& f, const std::string& ns, const std::string& id, bool sync) {
  ctrpb::DeleteLeaseRequest del;
  del.set_id(id);
  del.set_sync(sync);
  google::protobuf::Empty empty;
  grpc::Status s = f.leases().Delete(Ctx(ns).get(), del, &empty);
  INFO(s.error_message());
  REQUIRE(s.ok());
}

// A collection, now: deleting a lease with sync runs one before returning.
void Collect(DaemonFixture& f) {
  static int n = 0;
  const std::string id = "collect-" + std::to_string(++n);
  CreateLease(f, "default", id);
  DeleteLease(f, "default", id, /*sync=*/true);
}

// Content.Write of `data` in one stream under `lease` ("" none); the digest.
std::string WriteBlob(DaemonFixture& f, const std::string& ns, const std::string& lease,
                      const std::string& data) {
  auto context = lease.empty() ? Ctx(ns) : LeaseCtx(ns, lease);
  auto stream = f.content().Write(context.get());
  const std::string digest = containerd::content::Digest::Of(data).str();
  ctrpb::WriteContentRequest write;
  write.set_action(ctrpb::WRITE_ACTION_WRITE);
  write.set_ref("gc-test-" + digest.substr(7, 12));
  write.set_total(static_cast<int64_t>(data.size()));
  write.set_expected(digest);
  write.set_data(data);
  ctrpb::WriteContentResponse response;
  REQUIRE(stream->Write(write));
  REQUIRE(stream->Read(&response));
  ctrpb::WriteContentRequest commit;
  commit.set_action(ctrpb::WRITE_ACTION_COMMIT);
  commit.set_total(static_cast<int64_t>(data.size()));
  commit.set_expected(digest);
  (*commit.mutable_labels())["test"] = "gc";
  REQUIRE(stream->Write(commit));
  REQUIRE(stream->Read(&response));
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(response.digest() == digest);
  return digest;
}

// Polls `done` for up to 10 s: deletions are collected shortly after.
template <typename Fn>
bool Eventually(Fn&& done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

testimage::ImageInfo BuildImage(DaemonFixture& f) {
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(2);
  absl::StatusOr<testimage::ImageInfo> built =
      testimage::CreateOciArchive(f.Path("image.tar"), options);
  REQUIRE(built.ok());
  return *built;
}

std::vector<std::string> ImageBlobs(const testimage::ImageInfo& image) {
  std::vector<std::string> blobs = {image.manifest_digest, image.config_digest};
  for (const auto& layer : image.layers) blobs.push_back(layer.digest);
  return blobs;
}

TEST_CASE("deleting an image collects its blobs and unpacked snapshots", "[containerd][gc]") {
  DaemonFixture f;
  testimage::ImageInfo built = BuildImage(f);
  std::vector<ctrpb::Image> imported = Import(f, f.Path("image.tar"), "default");
  REQUIRE(imported.size() == 1);
  std::string chain_id = Unpack(f, imported[0].name(), "default");

  std::set<std::string> content = ContentIn(f, "default");
  for (const std::string& blob : ImageBlobs(built)) {
    CHECK(content.contains(blob));
    CHECK(BlobOnDisk(f, blob));
  }
  const size_t layers = built.layers.size();
  REQUIRE(layers >= 2);
  CHECK(SnapshotsIn(f, "default").contains(chain_id));
  CHECK(SnapshotsIn(f, "default").size() == layers);
  CHECK(SnapshotDirs(f) == static_cast<int>(layers));
  // Nothing is garbage yet: the operations' own leases are gone, the image
  // holds it all.
  Collect(f);
  CHECK(ContentIn(f, "default") == content);
  CHECK(SnapshotsIn(f, "default").size() == layers);

  ctrpb::DeleteImageRequest del;
  del.set_name(imported[0].name());
  google::protobuf::Empty empty;
  REQUIRE(f.images().Delete(Ctx().get(), del, &empty).ok());
  // Collected by the scheduler, without asking.
  CHECK(Eventually([&] { return ContentIn(f, "default").empty(); }));
  CHECK(Eventually([&] { return SnapshotsIn(f, "default").empty(); }));
  CHECK(Eventually([&] { return SnapshotDirs(f) == 0; }));
  for (const std::string& blob : ImageBlobs(built)) CHECK_FALSE(BlobOnDisk(f, blob));
}

TEST_CASE("a blob two namespaces reference stays while one of them does", "[containerd][gc]") {
  DaemonFixture f;
  f.UseNamespace("gc-a");
  f.UseNamespace("gc-b");
  testimage::ImageInfo built = BuildImage(f);
  std::vector<ctrpb::Image> a = Import(f, f.Path("image.tar"), "gc-a");
  std::vector<ctrpb::Image> b = Import(f, f.Path("image.tar"), "gc-b");
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  std::set<std::string> in_b = ContentIn(f, "gc-b");
  CHECK(ContentIn(f, "gc-a") == in_b);

  ctrpb::DeleteImageRequest del;
  del.set_name(a[0].name());
  google::protobuf::Empty empty;
  REQUIRE(f.images().Delete(Ctx("gc-a").get(), del, &empty).ok());
  Collect(f);
  CHECK(ContentIn(f, "gc-a").empty());
  CHECK(ContentIn(f, "gc-b") == in_b);
  for (const std::string& blob : ImageBlobs(built)) CHECK(BlobOnDisk(f, blob));
  // Still readable where it is referenced, not where it is not.
  ctrpb::ReadContentRequest read;
  read.set_digest(built.config_digest);
  {
    auto context = Ctx("gc-b");
    auto reader = f.content().Read(context.get(), read);
    ctrpb::ReadContentResponse chunk;
    std::string data;
    while (reader->Read(&chunk)) data += chunk.data();
    REQUIRE(reader->Finish().ok());
    CHECK(containerd::content::Digest::Of(data).str() == built.config_digest);
  }
  ctrpb::InfoRequest info;
  info.set_digest(built.config_digest);
  ctrpb::InfoResponse got;
  CHECK(f.content().Info(Ctx("gc-a").get(), info, &got).error_code() == StatusCode::NOT_FOUND);

  del.set_name(b[0].name());
  REQUIRE(f.images().Delete(Ctx("gc-b").get(), del, &empty).ok());
  Collect(f);
  for (const std::string& blob : ImageBlobs(built)) CHECK_FALSE(BlobOnDisk(f, blob));
}

TEST_CASE("a lease keeps what was written under it until it is deleted", "[containerd][gc]") {
  DaemonFixture f;
  CreateLease(f, "default", "work");
  const std::string held = WriteBlob(f, "default", "work", "held by a lease");
  const std::string loose = WriteBlob(f, "default", "", "held by nothing");
  ctrpb::PrepareSnapshotRequest prepare;
  prepare.set_key("leased-snapshot");
  ctrpb::PrepareSnapshotResponse prepared;
  REQUIRE(f.snapshots().Prepare(LeaseCtx("default", "work").get(), prepare, &prepared).ok());

  ctrpb::ListResourcesRequest list;
  list.set_id("work");
  ctrpb::ListResourcesResponse resources;
  REQUIRE(f.leases().ListResources(Ctx().get(), list, &resources).ok());
  std::set<std::pair<std::string, std::string>> got;
  for (const ctrpb::Resource& r : resources.resources()) got.emplace(r.type(), r.id());
  CHECK(got.contains({"content", held}));
  CHECK(got.contains({"snapshots/overlayfs", "leased-snapshot"}));

  // The commit's labels are the namespace's.
  ctrpb::InfoRequest info;
  info.set_digest(held);
  ctrpb::InfoResponse described;
  REQUIRE(f.content().Info(Ctx().get(), info, &described).ok());
  CHECK(described.info().labels().at("test") == "gc");

  Collect(f);
  CHECK(ContentIn(f, "default") == std::set<std::string>{held});
  CHECK(BlobOnDisk(f, held));
  CHECK_FALSE(BlobOnDisk(f, loose));
  CHECK(SnapshotsIn(f, "default") == std::set<std::string>{"leased-snapshot"});

  DeleteLease(f, "default", "work", /*sync=*/true);
  CHECK(ContentIn(f, "default").empty());
  CHECK_FALSE(BlobOnDisk(f, held));
  CHECK(SnapshotsIn(f, "default").empty());
  CHECK(SnapshotDirs(f) == 0);
  ctrpb::ListLeasesResponse leases;
  REQUIRE(f.leases().List(Ctx().get(), {}, &leases).ok());
  CHECK(leases.leases_size() == 0);
}

TEST_CASE("a container keeps its snapshot until it is deleted", "[containerd][gc]") {
  DaemonFixture f;
  CreateLease(f, "default", "setup");
  ctrpb::PrepareSnapshotRequest prepare;
  prepare.set_key("gcc-rootfs");
  ctrpb::PrepareSnapshotResponse prepared;
  REQUIRE(f.snapshots().Prepare(LeaseCtx("default", "setup").get(), prepare, &prepared).ok());
  ctrpb::CreateContainerRequest create;
  *create.mutable_container() = f.ContainerRecord("gcc", {"true"});
  create.mutable_container()->set_snapshotter("overlayfs");
  create.mutable_container()->set_snapshot_key("gcc-rootfs");
  ctrpb::CreateContainerResponse created;
  REQUIRE(f.containers().Create(LeaseCtx("default", "setup").get(), create, &created).ok());
  DeleteLease(f, "default", "setup", /*sync=*/true);
  CHECK(SnapshotsIn(f, "default") == std::set<std::string>{"gcc-rootfs"});
  CHECK(SnapshotDirs(f) == 1);

  ctrpb::DeleteContainerRequest del;
  del.set_id("gcc");
  google::protobuf::Empty empty;
  REQUIRE(f.containers().Delete(Ctx().get(), del, &empty).ok());
  CHECK(Eventually([&] { return SnapshotsIn(f, "default").empty(); }));
  CHECK(Eventually([&] { return SnapshotDirs(f) == 0; }));
}

TEST_CASE("an expired lease protects nothing and is removed", "[containerd][gc]") {
  DaemonFixture f;
  CreateLease(f, "default", "old", {{"containerd.io/gc.expire", "2000-01-01T00:00:00Z"}});
  CreateLease(f, "default", "live", {{"containerd.io/gc.expire", "2999-01-01T00:00:00Z"}});
  const std::string old_blob = WriteBlob(f, "default", "old", "expired lease");
  const std::string live_blob = WriteBlob(f, "default", "live", "live lease");
  Collect(f);
  CHECK_FALSE(BlobOnDisk(f, old_blob));
  CHECK(BlobOnDisk(f, live_blob));
  CHECK(ContentIn(f, "default") == std::set<std::string>{live_blob});
  ctrpb::ListLeasesResponse leases;
  REQUIRE(f.leases().List(Ctx().get(), {}, &leases).ok());
  REQUIRE(leases.leases_size() == 1);
  CHECK(leases.leases(0).id() == "live");
  DeleteLease(f, "default", "live", /*sync=*/true);
  CHECK_FALSE(BlobOnDisk(f, live_blob));
}

TEST_CASE("a call naming a missing lease fails and writes nothing", "[containerd][gc]") {
  DaemonFixture f;
  ctrpb::PrepareSnapshotRequest prepare;
  prepare.set_key("nowhere");
  ctrpb::PrepareSnapshotResponse prepared;
  CHECK(f.snapshots()
            .Prepare(LeaseCtx("default", "missing").get(), prepare, &prepared)
            .error_code() == StatusCode::NOT_FOUND);
  CHECK(SnapshotsIn(f, "default").empty());
  ctrpb::DeleteLeaseRequest del;
  del.set_id("missing");
  google::protobuf::Empty empty;
  CHECK(f.leases().Delete(Ctx().get(), del, &empty).error_code() == StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace berth::testing

// Garbage collection against real overlay snapshots, as root: an image
// imported and unpacked keeps its blobs and chain; deleting it lets the
// collector remove them, children first; a lease protects a snapshot being
// prepared.
#include "containerd/core/gc/gc.h"

#include <fcntl.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "containerd/core/images/archive.h"
#include "containerd/core/images/image_store.h"
#include "containerd/core/images/unpack.h"
#include "containerd/core/metadata/leases.h"
#include "containerd/core/snapshots/overlay.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/test_env.h"

namespace berth::containerd::gc {
namespace {

using metadata::Transaction;
using testing::ValueOrFail;

struct Env {
  Env() : dir("berth-gc-overlay") {
    testing::RequireRoot();
    content = ValueOrFail(content::Store::Open(dir.Sub("content")));
    store = ValueOrFail(metadata::Store::Open(dir.Sub("metadata.db")));
    std::string root = dir.Sub("overlayfs");
    REQUIRE_OK(MkdirAll(root, 0700));
    if (!snapshots::OverlaySupported(root)) testing::Skip("overlayfs does not mount on " + root);
    auto overlay = ValueOrFail(snapshots::OverlaySnapshotter::Open(root, store.get()));
    sn = overlay.get();
    set.Add(std::move(overlay), true);
  }
  images::Image ImportSample() {
    testimage::ImageOptions opts;
    opts.layers = testimage::SampleLayers(3);
    std::string tar = dir.Sub("image.tar");
    REQUIRE_OK(testimage::CreateOciArchive(tar, opts).status());
    UniqueFd fd(open(tar.c_str(), O_RDONLY | O_CLOEXEC));
    std::vector<images::Image> imported =
        ValueOrFail(images::Import(*content, *store, "default", fd.get()));
    REQUIRE(imported.size() == 1);
    return imported[0];
  }
  Report Collect() { return ValueOrFail(CollectGarbage(*store, *content, set)); }

  testing::TempDir dir;
  std::unique_ptr<content::Store> content;
  std::unique_ptr<metadata::Store> store;
  snapshots::SnapshotterSet set;
  snapshots::Snapshotter* sn = nullptr;
};

TEST_CASE("gc overlay: an unpacked chain lives while its image does", "[gc][overlay]") {
  Env env;
  images::Image image = env.ImportSample();
  images::UnpackResult unpacked =
      ValueOrFail(images::Unpack(*env.content, *env.sn, "default", image.target));
  images::ResolvedImage resolved =
      ValueOrFail(images::ResolveImage(*env.content, image.target, images::HostPlatform()));
  std::vector<content::Digest> chain = images::ChainIds(resolved.config.diff_ids);
  REQUIRE(chain.size() == 3);
  REQUIRE(unpacked.chain_id == chain.back());
  size_t blobs = ValueOrFail(env.content->List()).size();

  Report kept = env.Collect();
  CHECK(kept.removed_blobs.empty());
  CHECK(kept.removed_snapshots.empty());
  CHECK(ValueOrFail(env.sn->List("default", {})).size() == 3);
  CHECK(ValueOrFail(env.content->List()).size() == blobs);

  REQUIRE_OK(env.store->Update(
      [&](Transaction& tx) { return images::ImageStore(tx, "default").Delete(image.name); }));
  Report removed = env.Collect();
  REQUIRE(removed.removed_snapshots.size() == 3);
  CHECK(removed.removed_snapshots[0].key == chain[2].str());
  CHECK(removed.removed_snapshots[1].key == chain[1].str());
  CHECK(removed.removed_snapshots[2].key == chain[0].str());
  CHECK(removed.removed_blobs.size() == blobs);
  CHECK(removed.bytes > 0);
  CHECK(ValueOrFail(env.sn->List("default", {})).empty());
  CHECK(ValueOrFail(env.content->List()).empty());
  // The directories went with the records.
  std::vector<std::string> left =
      ValueOrFail(dynamic_cast<snapshots::DirSnapshotter*>(env.sn)->Cleanup());
  CHECK(left.empty());
  for (const content::Digest& id : chain) {
    CHECK(absl::IsNotFound(env.sn->Stat("default", id.str()).status()));
  }
}

TEST_CASE("gc overlay: a lease protects a snapshot in progress and its parents", "[gc][overlay]") {
  Env env;
  images::Image image = env.ImportSample();
  images::UnpackResult unpacked =
      ValueOrFail(images::Unpack(*env.content, *env.sn, "default", image.target));
  REQUIRE_OK(env.store->Update(
      [&](Transaction& tx) { return images::ImageStore(tx, "default").Delete(image.name); }));

  // As a container's rootfs would be prepared: lease first, then Prepare.
  REQUIRE_OK(env.store->Update([&](Transaction& tx) -> absl::Status {
    metadata::LeaseStore leases(tx, "default");
    BERTH_RETURN_IF_ERROR(leases.Create(metadata::Lease{"prepare"}).status());
    return leases.AddResource("prepare",
                              metadata::LeaseResource::Snapshot("overlayfs", "rootfs-in-progress"));
  }));
  ValueOrFail(env.sn->Prepare("default", "rootfs-in-progress", unpacked.chain_id.str(), {}));

  Report r = env.Collect();
  CHECK(r.removed_snapshots.empty());
  CHECK(ValueOrFail(env.sn->List("default", {})).size() == 4);
  CHECK_FALSE(r.removed_blobs.empty());  // the blobs were not leased

  REQUIRE_OK(env.store->Update(
      [&](Transaction& tx) { return metadata::LeaseStore(tx, "default").Delete("prepare"); }));
  r = env.Collect();
  REQUIRE(r.removed_snapshots.size() == 4);
  CHECK(r.removed_snapshots[0].key == "rootfs-in-progress");
  CHECK(ValueOrFail(env.sn->List("default", {})).empty());
}

}  // namespace
}  // namespace berth::containerd::gc

// Marking over fixtures: images written into a temp content store as index
// -> manifest -> config + layers, snapshot records, leases, labels. The
// sweep runs against the native snapshotter, which needs no root.
#include "containerd/core/gc/gc.h"

#include <dirent.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "containerd/core/images/image_store.h"
#include "containerd/core/images/oci.h"
#include "containerd/core/metadata/containers.h"
#include "containerd/core/metadata/content_refs.h"
#include "containerd/core/metadata/leases.h"
#include "containerd/core/snapshots/native.h"
#include "containerd/core/snapshots/records.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::containerd::gc {
namespace {

using metadata::Transaction;
using testing::ValueOrFail;

struct FixtureImage {
  images::Descriptor index, manifest, config;
  std::vector<images::Descriptor> layers;
  std::vector<std::string> chain_ids;
};

struct Env {
  Env() : dir("berth-gc") {
    content = ValueOrFail(content::Store::Open(dir.Sub("content")));
    store = ValueOrFail(metadata::Store::Open(dir.Sub("metadata.db")));
  }

  images::Descriptor Put(std::string_view media_type, const std::string& data) {
    content::Digest d = content::Digest::Of(data);
    auto w =
        ValueOrFail(content->OpenWriter("ref-" + d.hex(), static_cast<int64_t>(data.size()), d));
    REQUIRE_OK(w->Write(data));
    absl::Status s = w->Commit(static_cast<int64_t>(data.size()), d);
    if (!absl::IsAlreadyExists(s)) REQUIRE_OK(s);
    images::Descriptor desc;
    desc.media_type = std::string(media_type);
    desc.digest = d;
    desc.size = static_cast<int64_t>(data.size());
    return desc;
  }

  // An index of one manifest with `n` layers whose diff_ids are the
  // digests of `seed`-derived bytes.
  FixtureImage MakeImage(const std::string& seed, int n = 2) {
    FixtureImage img;
    std::vector<content::Digest> diff_ids;
    std::string diff_list;
    for (int i = 0; i < n; ++i) {
      img.layers.push_back(
          Put(images::kMediaTypeOciLayerGzip, seed + "-layer-" + std::to_string(i)));
      diff_ids.push_back(content::Digest::Of(seed + "-diff-" + std::to_string(i)));
      diff_list += (i ? "," : "") + ("\"" + diff_ids.back().str() + "\"");
    }
    for (const content::Digest& c : images::ChainIds(diff_ids)) img.chain_ids.push_back(c.str());
    img.config =
        Put(images::kMediaTypeOciConfig,
            R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[)" +
                diff_list + "]}}");
    images::Manifest m;
    m.media_type = std::string(images::kMediaTypeOciManifest);
    m.config = img.config;
    m.layers = img.layers;
    img.manifest = Put(images::kMediaTypeOciManifest, images::ManifestJson(m));
    images::Index index;
    index.media_type = std::string(images::kMediaTypeOciIndex);
    index.manifests = {img.manifest};
    img.index = Put(images::kMediaTypeOciIndex, images::IndexJson(index));
    return img;
  }

  void CreateImage(const std::string& name, const images::Descriptor& target,
                   const std::string& ns = "default") {
    images::Image image;
    image.name = name;
    image.target = target;
    REQUIRE_OK(store->Update(
        [&](Transaction& tx) { return images::ImageStore(tx, ns).Create(image).status(); }));
  }

  // Committed records named by the chain, each on the one before.
  void CommitChain(const std::vector<std::string>& chain, const std::string& sn = "native") {
    REQUIRE_OK(store->Update([&](Transaction& tx) -> absl::Status {
      snapshots::SnapshotRecords records(tx, sn, "default");
      std::string parent;
      for (const std::string& id : chain) {
        BERTH_RETURN_IF_ERROR(
            records.Create(snapshots::Kind::kActive, "extract " + id, parent, {}).status());
        BERTH_RETURN_IF_ERROR(records.Commit(id, "extract " + id, {}).status());
        parent = id;
      }
      return absl::OkStatus();
    }));
  }

  Marked DoMark(metadata::Timestamp now = metadata::Now()) {
    return ValueOrFail(store->ViewValue([&](Transaction& tx) { return Mark(tx, *content, now); }));
  }

  testing::TempDir dir;
  std::unique_ptr<content::Store> content;
  std::unique_ptr<metadata::Store> store;
};

size_t CountEntries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  REQUIRE(d != nullptr);
  size_t n = 0;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") ++n;
  }
  closedir(d);
  return n;
}

bool HasContent(const Marked& m, const images::Descriptor& d, const std::string& ns = "default") {
  return m.content.contains(ContentId{ns, d.digest.str()});
}
bool HasSnapshot(const Marked& m, const std::string& key, const std::string& sn = "native") {
  return m.snapshots.contains(SnapshotId{"default", sn, key});
}

TEST_CASE("gc mark: an image keeps its index, manifest, config, layers and unpacked chain",
          "[gc]") {
  Env env;
  FixtureImage img = env.MakeImage("a");
  images::Descriptor orphan = env.Put("application/octet-stream", "orphan");
  env.CreateImage("example.com/a:1", img.index);
  env.CommitChain(img.chain_ids);
  env.CommitChain({content::Digest::Of("unrelated").str()});

  Marked m = env.DoMark();
  for (const auto& d : {img.index, img.manifest, img.config, img.layers[0], img.layers[1]}) {
    CHECK(HasContent(m, d));
    CHECK(m.blobs.contains(d.digest.str()));
  }
  CHECK_FALSE(m.blobs.contains(orphan.digest.str()));
  CHECK(HasSnapshot(m, img.chain_ids[0]));
  CHECK(HasSnapshot(m, img.chain_ids[1]));
  CHECK_FALSE(HasSnapshot(m, content::Digest::Of("unrelated").str()));
  // Another namespace does not see it.
  CHECK_FALSE(HasContent(m, img.index, "other"));
}

TEST_CASE("gc mark: labels, gc.root and containers", "[gc]") {
  Env env;
  images::Descriptor root = env.Put("application/octet-stream", "root");
  images::Descriptor child = env.Put("application/octet-stream", "child");
  images::Descriptor loose = env.Put("application/octet-stream", "loose");
  env.CommitChain({"base", "top"});
  env.CommitChain({"labelled-root"});
  env.CommitChain({"ctr-parent"});
  REQUIRE_OK(env.store->Update([&](Transaction& tx) -> absl::Status {
    metadata::ContentRefs refs(tx, "default");
    BERTH_RETURN_IF_ERROR(
        refs.Add(root.digest.str(), {{std::string(kRootLabel), "always"},
                                     {"containerd.io/gc.ref.content.m.0", child.digest.str()},
                                     {"containerd.io/gc.ref.snapshot.native/1", "top"}})
            .status());
    BERTH_RETURN_IF_ERROR(refs.Add(loose.digest.str()).status());
    snapshots::SnapshotRecords records(tx, "native", "default");
    BERTH_RETURN_IF_ERROR(records
                              .Update(snapshots::Info{"labelled-root",
                                                      "",
                                                      snapshots::Kind::kCommitted,
                                                      {{std::string(kRootLabel), "x"}},
                                                      {},
                                                      {}},
                                      {"labels"})
                              .status());
    BERTH_RETURN_IF_ERROR(
        records.Create(snapshots::Kind::kActive, "ctr-rootfs", "ctr-parent", {}).status());
    metadata::Container c;
    c.id = "ctr";
    c.runtime.name = "io.containerd.runc.v2";
    c.snapshotter = "native";
    c.snapshot_key = "ctr-rootfs";
    return metadata::ContainerStore(tx, "default").Create(c).status();
  }));

  Marked m = env.DoMark();
  CHECK(HasContent(m, root));
  CHECK(HasContent(m, child));
  CHECK_FALSE(HasContent(m, loose));
  CHECK(HasSnapshot(m, "top"));
  CHECK(HasSnapshot(m, "base"));
  CHECK(HasSnapshot(m, "labelled-root"));
  CHECK(HasSnapshot(m, "ctr-rootfs"));
  CHECK(HasSnapshot(m, "ctr-parent"));
}

TEST_CASE("gc mark: leases protect their resources until they expire", "[gc]") {
  Env env;
  images::Descriptor blob = env.Put("application/octet-stream", "leased");
  FixtureImage img = env.MakeImage("l");
  env.CommitChain({"leased-parent"});
  metadata::Timestamp now = metadata::Now();
  REQUIRE_OK(env.store->Update([&](Transaction& tx) -> absl::Status {
    BERTH_RETURN_IF_ERROR(snapshots::SnapshotRecords(tx, "native", "default")
                              .Create(snapshots::Kind::kActive, "in-progress", "leased-parent", {})
                              .status());
    metadata::LeaseStore leases(tx, "default");
    BERTH_RETURN_IF_ERROR(
        leases.Create(metadata::Lease{"live", {}, {}, now + std::chrono::hours(1)}).status());
    BERTH_RETURN_IF_ERROR(
        leases.AddResource("live", metadata::LeaseResource::Content(blob.digest.str())));
    BERTH_RETURN_IF_ERROR(
        leases.AddResource("live", metadata::LeaseResource::Snapshot("native", "in-progress")));
    BERTH_RETURN_IF_ERROR(leases.AddResource("live", metadata::LeaseResource::Ingest("pull-ref")));
    BERTH_RETURN_IF_ERROR(
        leases.Create(metadata::Lease{"old", {}, {}, now - std::chrono::hours(1)}).status());
    return leases.AddResource("old", metadata::LeaseResource::Content(img.layers[0].digest.str()));
  }));

  Marked m = env.DoMark(now);
  CHECK(HasContent(m, blob));
  CHECK(HasSnapshot(m, "in-progress"));
  CHECK(HasSnapshot(m, "leased-parent"));
  CHECK(m.leased_ingests.contains("pull-ref"));
  CHECK_FALSE(HasContent(m, img.layers[0]));
  CHECK(m.expired_leases == std::set<LeaseId>{{"default", "old"}});

  // Two hours on, the live lease has expired too.
  Marked later = env.DoMark(now + std::chrono::hours(2));
  CHECK_FALSE(HasContent(later, blob));
  CHECK_FALSE(HasSnapshot(later, "in-progress"));
  CHECK(later.expired_leases.size() == 2);
}

TEST_CASE("gc mark: an ingest in progress protects its expected blob", "[gc]") {
  Env env;
  images::Descriptor blob = env.Put("application/octet-stream", "expected");
  auto w = ValueOrFail(env.content->OpenWriter("in-flight", blob.size, blob.digest));
  Marked m = env.DoMark();
  CHECK(m.blobs.contains(blob.digest.str()));
  CHECK(m.content.empty());
}

TEST_CASE("gc collect: sweeps blobs, content refs, snapshots and expired leases", "[gc]") {
  Env env;
  snapshots::SnapshotterSet set;
  auto native =
      ValueOrFail(snapshots::NativeSnapshotter::Open(env.dir.Sub("native"), env.store.get()));
  snapshots::Snapshotter* sn = native.get();
  set.Add(std::move(native), true);

  FixtureImage img = env.MakeImage("c");
  images::Descriptor orphan = env.Put("application/octet-stream", "orphan");
  env.CreateImage("example.com/c:1", img.index);
  // The unpacked chain, with real directories.
  std::string parent;
  for (const std::string& id : img.chain_ids) {
    ValueOrFail(sn->Prepare("default", "extract " + id, parent, {}));
    REQUIRE_OK(sn->Commit("default", id, "extract " + id, {}));
    parent = id;
  }
  ValueOrFail(sn->Prepare("default", "abandoned", "", {}));
  REQUIRE_OK(env.store->Update([&](Transaction& tx) {
    return metadata::ContentRefs(tx, "default").Add(orphan.digest.str()).status();
  }));
  REQUIRE_OK(env.store->Update([&](Transaction& tx) {
    return metadata::LeaseStore(tx, "default")
        .Create(metadata::Lease{"expired", {}, {}, metadata::Now() - std::chrono::seconds(1)})
        .status();
  }));

  // A dry run reports and removes nothing.
  Report dry = ValueOrFail(CollectGarbage(*env.store, *env.content, set, {.dry_run = true}));
  CHECK(dry.removed_blobs == std::vector<content::Digest>{orphan.digest});
  CHECK(dry.removed_snapshots.size() == 1);
  CHECK(ValueOrFail(env.content->List()).size() == 6);

  Report r = ValueOrFail(CollectGarbage(*env.store, *env.content, set));
  CHECK(r.removed_blobs == std::vector<content::Digest>{orphan.digest});
  CHECK(r.removed_content_refs == std::vector<ContentId>{{"default", orphan.digest.str()}});
  CHECK(r.removed_snapshots == std::vector<SnapshotId>{{"default", "native", "abandoned"}});
  CHECK(r.removed_leases == std::vector<LeaseId>{{"default", "expired"}});
  CHECK(r.bytes >= orphan.size);
  CHECK(absl::IsNotFound(env.content->Info(orphan.digest).status()));
  CHECK(ValueOrFail(env.content->List()).size() == 5);
  CHECK(ValueOrFail(sn->List("default", {})).size() == 2);

  // Without the image, everything goes, children before parents.
  REQUIRE_OK(env.store->Update([&](Transaction& tx) {
    return images::ImageStore(tx, "default").Delete("example.com/c:1");
  }));
  r = ValueOrFail(CollectGarbage(*env.store, *env.content, set));
  CHECK(r.removed_blobs.size() == 5);
  REQUIRE(r.removed_snapshots.size() == 2);
  CHECK(r.removed_snapshots[0].key == img.chain_ids[1]);
  CHECK(r.removed_snapshots[1].key == img.chain_ids[0]);
  CHECK(ValueOrFail(env.content->List()).empty());
  CHECK(ValueOrFail(sn->List("default", {})).empty());
  CHECK(CountEntries(env.dir.Sub("native/snapshots")) == 0);
}

TEST_CASE("gc collect: stale ingests go unless a live lease holds them", "[gc]") {
  Env env;
  snapshots::SnapshotterSet set;
  // Two abandoned ingests: their writers are gone.
  ValueOrFail(env.content->OpenWriter("stale-loose"))->Write("x").IgnoreError();
  ValueOrFail(env.content->OpenWriter("stale-leased"))->Write("y").IgnoreError();
  REQUIRE_OK(env.store->Update([&](Transaction& tx) -> absl::Status {
    metadata::LeaseStore leases(tx, "default");
    BERTH_RETURN_IF_ERROR(leases.Create(metadata::Lease{"hold", {}, {}, std::nullopt}).status());
    return leases.AddResource("hold", metadata::LeaseResource::Ingest("stale-leased"));
  }));

  // Younger than the expiry: kept.
  Report r = ValueOrFail(
      CollectGarbage(*env.store, *env.content, set, {.ingest_expiry = std::chrono::hours(1)}));
  CHECK(r.removed_ingests.empty());
  // Without an expiry, never.
  r = ValueOrFail(CollectGarbage(*env.store, *env.content, set));
  CHECK(r.removed_ingests.empty());
  CHECK(ValueOrFail(env.content->ListStatuses()).size() == 2);

  Options expire_all{.ingest_expiry = std::chrono::nanoseconds(0)};
  r = ValueOrFail(CollectGarbage(*env.store, *env.content, set, expire_all));
  CHECK(r.removed_ingests == std::vector<std::string>{"stale-loose"});
  std::vector<content::IngestStatus> left = ValueOrFail(env.content->ListStatuses());
  REQUIRE(left.size() == 1);
  CHECK(left[0].ref == "stale-leased");

  // An ingest with a writer is in use, whatever its age.
  auto writer = ValueOrFail(env.content->OpenWriter("busy"));
  r = ValueOrFail(CollectGarbage(*env.store, *env.content, set, expire_all));
  CHECK(r.removed_ingests.empty());
  CHECK(env.content->Status("busy").ok());
}

}  // namespace
}  // namespace berth::containerd::gc

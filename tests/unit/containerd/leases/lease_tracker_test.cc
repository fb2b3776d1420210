// Holding what an operation touches: content through a store view's hooks,
// snapshots through the leased snapshotter, and the namespace's references
// afterwards.
#include "containerd/core/leases/lease_tracker.h"

#include <catch2/catch.hpp>

#include "containerd/core/leases/leased_snapshotter.h"
#include "containerd/core/leases/operation_lease.h"
#include "containerd/core/metadata/content_refs.h"
#include "containerd/core/snapshots/native.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::containerd::leases {
namespace {

using metadata::LeaseResource;
using metadata::Transaction;
using testing::ValueOrFail;

struct Env {
  Env() : dir("berth-leases") {
    content = ValueOrFail(content::Store::Open(dir.Sub("content")));
    store = ValueOrFail(metadata::Store::Open(dir.Sub("metadata.db")));
  }

  void CreateLease(const std::string& id) {
    REQUIRE_OK(store->Update([&](Transaction& tx) {
      return metadata::LeaseStore(tx, "default").Create(metadata::Lease{id, {}, {}, {}}).status();
    }));
  }
  std::vector<LeaseResource> Resources(const std::string& id) {
    return ValueOrFail(store->ViewValue(
        [&](Transaction& tx) { return metadata::LeaseStore(tx, "default").ListResources(id); }));
  }
  std::vector<metadata::ContentRef> Refs() {
    return ValueOrFail(store->ViewValue(
        [&](Transaction& tx) { return metadata::ContentRefs(tx, "default").List(); }));
  }

  testing::TempDir dir;
  std::unique_ptr<content::Store> content;
  std::unique_ptr<metadata::Store> store;
};

TEST_CASE("lease tracker: a store view holds ingests, commits and lookups", "[leases]") {
  Env env;
  env.CreateLease("op");
  LeaseTracker held(env.store.get(), "default", "op");
  std::unique_ptr<content::Store> view = env.content->WithHooks(held.ContentHooks());

  const std::string data = "blob";
  content::Digest d = content::Digest::Of(data);
  auto w = ValueOrFail(view->OpenWriter("ingest-1", 4, d));
  REQUIRE_OK(w->Write(data));
  REQUIRE_OK(w->Commit());
  content::Digest absent = content::Digest::Of("absent");
  CHECK(absl::IsNotFound(view->Info(absent).status()));

  std::vector<LeaseResource> got = env.Resources("op");
  CHECK(got == std::vector<LeaseResource>{LeaseResource::Content(absent.str()),
                                          LeaseResource::Content(d.str()),
                                          LeaseResource::Ingest("ingest-1")});
  // The daemon's own store calls no hooks.
  CHECK(env.content->Info(content::Digest::Of("other")).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(env.Resources("op").size() == 3);

  // Only blobs that exist become the namespace's.
  REQUIRE_OK(held.ReferenceHeldBlobs(*env.content));
  std::vector<metadata::ContentRef> refs = env.Refs();
  REQUIRE(refs.size() == 1);
  CHECK(refs[0].digest == d.str());
}

TEST_CASE("lease tracker: a missing lease fails the call before anything is written", "[leases]") {
  Env env;
  LeaseTracker held(env.store.get(), "default", "missing");
  std::unique_ptr<content::Store> view = env.content->WithHooks(held.ContentHooks());
  CHECK(absl::IsNotFound(view->OpenWriter("ingest-1").status()));
  CHECK(ValueOrFail(env.content->ListStatuses()).empty());
}

TEST_CASE("leased snapshotter: Prepare, Commit and Stat are held in the lease's namespace",
          "[leases]") {
  Env env;
  env.CreateLease("op");
  auto native =
      ValueOrFail(snapshots::NativeSnapshotter::Open(env.dir.Sub("native"), env.store.get()));
  LeaseTracker held(env.store.get(), "default", "op");
  LeasedSnapshotter sn(*native, held);
  ValueOrFail(sn.Prepare("default", "extract", "", {}));
  REQUIRE_OK(sn.Commit("default", "layer", "extract", {}));
  ValueOrFail(sn.Stat("default", "layer"));
  CHECK(env.Resources("op") ==
        std::vector<LeaseResource>{LeaseResource::Snapshot("native", "extract"),
                                   LeaseResource::Snapshot("native", "layer")});
  CHECK(absl::IsFailedPrecondition(sn.Prepare("other", "x", "", {}).status()));
}

TEST_CASE("operation lease: exists for the operation's length and expires on its own", "[leases]") {
  Env env;
  std::string id;
  {
    auto op = ValueOrFail(OperationLease::Create(env.store.get(), "default", "pull x"));
    id = op->tracker().lease();
    metadata::Lease lease = ValueOrFail(env.store->ViewValue(
        [&](Transaction& tx) { return metadata::LeaseStore(tx, "default").Get(id); }));
    CHECK(lease.labels.at(std::string(kOperationLabel)) == "pull x");
    REQUIRE(lease.expires_at.has_value());
    CHECK(*lease.expires_at > metadata::Now() + std::chrono::hours(23));
  }
  CHECK(ValueOrFail(env.store->ViewValue([&](Transaction& tx) {
          return metadata::LeaseStore(tx, "default").List();
        })).empty());
}

}  // namespace
}  // namespace berth::containerd::leases

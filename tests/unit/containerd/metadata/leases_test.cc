#include "containerd/core/metadata/leases.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "containerd/core/metadata/content_refs.h"
#include "tests/unit/containerd/metadata/test_util.h"

namespace berth::containerd::metadata {
namespace {

using testing::ValueOrFail;

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

TEST_CASE("leases: create, get, list, delete", "[metadata][leases]") {
  TestStore store;
  Lease made = ValueOrFail(store->UpdateValue([&](Transaction& tx) {
    return LeaseStore(tx, "default").Create(Lease{"pull-1", {{"app", "x"}, {"gone", ""}}, {}, {}});
  }));
  CHECK(made.id == "pull-1");
  CHECK(made.labels == Labels{{"app", "x"}});
  CHECK_FALSE(made.expires_at);

  Lease generated = ValueOrFail(
      store->UpdateValue([&](Transaction& tx) { return LeaseStore(tx, "default").Create({}); }));
  CHECK(generated.id.size() == 32);

  absl::StatusOr<Lease> dup = store->UpdateValue(
      [&](Transaction& tx) { return LeaseStore(tx, "default").Create(Lease{"pull-1"}); });
  CHECK(absl::IsAlreadyExists(dup.status()));
  absl::StatusOr<Lease> bad = store->UpdateValue(
      [&](Transaction& tx) { return LeaseStore(tx, "default").Create(Lease{"a//b"}); });
  CHECK(absl::IsInvalidArgument(bad.status()));

  Lease got = ValueOrFail(
      store->ViewValue([&](Transaction& tx) { return LeaseStore(tx, "default").Get("pull-1"); }));
  CHECK(got == made);
  auto listed = ValueOrFail(store->ViewValue(
      [&](Transaction& tx) { return LeaseStore(tx, "default").List({"labels.app==x"}); }));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == "pull-1");
  CHECK(ValueOrFail(store->ViewValue([&](Transaction& tx) {
          return LeaseStore(tx, "default").List();
        })).size() == 2);
  CHECK(ValueOrFail(store->ViewValue([&](Transaction& tx) {
          return LeaseStore(tx, "other").List();
        })).empty());

  REQUIRE_OK(
      store->Update([&](Transaction& tx) { return LeaseStore(tx, "default").Delete("pull-1"); }));
  CHECK(absl::IsNotFound(
      store->Update([&](Transaction& tx) { return LeaseStore(tx, "default").Delete("pull-1"); })));
}

TEST_CASE("leases: expiry from the field or containerd's label", "[metadata][leases]") {
  TestStore store;
  Timestamp at = FromUnixNanos(1'700'000'000'000'000'000);
  Lease explicit_expiry = ValueOrFail(store->UpdateValue([&](Transaction& tx) {
    return LeaseStore(tx, "default").Create(Lease{"a", {}, {}, at});
  }));
  CHECK(explicit_expiry.expires_at == at);
  CHECK(explicit_expiry.Expired(at));
  CHECK_FALSE(explicit_expiry.Expired(at - std::chrono::seconds(1)));

  Lease labelled = ValueOrFail(store->UpdateValue([&](Transaction& tx) {
    return LeaseStore(tx, "default")
        .Create(Lease{"b", {{std::string(kLeaseExpireLabel), "2023-11-14T22:13:20Z"}}, {}, {}});
  }));
  CHECK(labelled.expires_at == at);
  CHECK(ValueOrFail(store->ViewValue([&](Transaction& tx) {
          return LeaseStore(tx, "default").Get("b");
        })).expires_at == at);

  absl::StatusOr<Lease> bad = store->UpdateValue([&](Transaction& tx) {
    return LeaseStore(tx, "default")
        .Create(Lease{"c", {{std::string(kLeaseExpireLabel), "tomorrow"}}, {}, {}});
  });
  CHECK(absl::IsInvalidArgument(bad.status()));

  // Past what int64 nanoseconds hold (2262): never, not a time long gone.
  Lease far = ValueOrFail(store->UpdateValue([&](Transaction& tx) {
    return LeaseStore(tx, "default")
        .Create(Lease{"d", {{std::string(kLeaseExpireLabel), "2999-01-01T00:00:00Z"}}, {}, {}});
  }));
  CHECK_FALSE(far.expires_at);
}

TEST_CASE("leases: resources", "[metadata][leases]") {
  TestStore store;
  REQUIRE_OK(store->Update(
      [&](Transaction& tx) { return LeaseStore(tx, "default").Create(Lease{"l"}).status(); }));
  std::vector<LeaseResource> want = {
      LeaseResource::Content(kDigestA),
      LeaseResource::Snapshot("overlayfs", "extract-1 sha256:x"),
      LeaseResource::Ingest("layer-ref"),
      LeaseResource::Image("docker.io/library/busybox:latest"),
  };
  REQUIRE_OK(store->Update([&](Transaction& tx) -> absl::Status {
    LeaseStore leases(tx, "default");
    for (const LeaseResource& r : want) BERTH_RETURN_IF_ERROR(leases.AddResource("l", r));
    // Twice is fine.
    return leases.AddResource("l", want[0]);
  }));
  auto listed = ValueOrFail(store->ViewValue(
      [&](Transaction& tx) { return LeaseStore(tx, "default").ListResources("l"); }));
  std::vector<LeaseResource> sorted = want;
  std::sort(sorted.begin(), sorted.end());
  CHECK(listed == sorted);
  CHECK(want[1].Type() == "snapshots/overlayfs");
  CHECK(ValueOrFail(LeaseResource::FromType("snapshots/overlayfs", "k")) ==
        LeaseResource::Snapshot("overlayfs", "k"));
  CHECK(absl::IsInvalidArgument(LeaseResource::FromType("bogus", "k").status()));

  CHECK(absl::IsInvalidArgument(store->Update([&](Transaction& tx) {
    return LeaseStore(tx, "default").AddResource("l", LeaseResource::Content("sha256:nothex"));
  })));
  CHECK(absl::IsInvalidArgument(store->Update([&](Transaction& tx) {
    return LeaseStore(tx, "default").AddResource("l", LeaseResource::Snapshot("", "k"));
  })));
  CHECK(absl::IsNotFound(store->Update([&](Transaction& tx) {
    return LeaseStore(tx, "default").AddResource("none", LeaseResource::Ingest("r"));
  })));

  REQUIRE_OK(store->Update(
      [&](Transaction& tx) { return LeaseStore(tx, "default").DeleteResource("l", want[0]); }));
  CHECK(ValueOrFail(store->ViewValue([&](Transaction& tx) {
          return LeaseStore(tx, "default").ListResources("l");
        })).size() == 3);

  // The namespace cannot go while the lease is there; the lease takes its
  // resource list with it.
  absl::Status del =
      store->Update([&](Transaction& tx) { return NamespaceStore(tx).Delete("default"); });
  CHECK(absl::IsFailedPrecondition(del));
  CHECK_THAT(Message(del), Catch::Contains("leases"));
  REQUIRE_OK(store->Update([&](Transaction& tx) { return LeaseStore(tx, "default").Delete("l"); }));
  REQUIRE_OK(store->Update([&](Transaction& tx) { return NamespaceStore(tx).Delete("default"); }));
}

TEST_CASE("content refs: add, labels, list, remove", "[metadata][content_refs]") {
  TestStore store;
  ContentRef a = ValueOrFail(store->UpdateValue([&](Transaction& tx) {
    return ContentRefs(tx, "default")
        .Add(kDigestA, {{"containerd.io/gc.ref.content.l.0", kDigestB}});
  }));
  CHECK(a.digest == kDigestA);
  CHECK(a.labels.size() == 1);
  // Adding again keeps the reference and merges labels.
  ContentRef again = ValueOrFail(store->UpdateValue([&](Transaction& tx) {
    return ContentRefs(tx, "default").Add(kDigestA, {{"x", "1"}});
  }));
  CHECK(again.created_at == a.created_at);
  CHECK(again.labels.size() == 2);
  REQUIRE_OK(store->Update(
      [&](Transaction& tx) { return ContentRefs(tx, "other").Add(kDigestA).status(); }));
  CHECK(absl::IsInvalidArgument(store->Update(
      [&](Transaction& tx) { return ContentRefs(tx, "default").Add("sha256:x").status(); })));

  ContentRef updated = ValueOrFail(store->UpdateValue([&](Transaction& tx) {
    return ContentRefs(tx, "default")
        .Update(ContentRef{kDigestA, {{"y", "2"}}, {}, {}}, {"labels.y", "labels.x"});
  }));
  CHECK(updated.labels == Labels{{"containerd.io/gc.ref.content.l.0", kDigestB}, {"y", "2"}});
  CHECK(ValueOrFail(store->ViewValue(
            [&](Transaction& tx) { return ContentRefs(tx, "default").Get(kDigestA); })) == updated);
  CHECK(absl::IsInvalidArgument(store
                                    ->UpdateValue([&](Transaction& tx) {
                                      return ContentRefs(tx, "default").Update(updated, {"digest"});
                                    })
                                    .status()));

  CHECK(ValueOrFail(store->ViewValue([&](Transaction& tx) {
          return ContentRefs(tx, "default").List({"labels.y==2"});
        })).size() == 1);
  CHECK(ValueOrFail(store->ViewValue([&](Transaction& tx) {
          return ContentRefs(tx, "default").List({"labels.y==3"});
        })).empty());

  CHECK(absl::IsFailedPrecondition(
      store->Update([&](Transaction& tx) { return NamespaceStore(tx).Delete("other"); })));
  REQUIRE_OK(
      store->Update([&](Transaction& tx) { return ContentRefs(tx, "other").Remove(kDigestA); }));
  CHECK(absl::IsNotFound(
      store->Update([&](Transaction& tx) { return ContentRefs(tx, "other").Remove(kDigestA); })));
  CHECK(ValueOrFail(
      store->ViewValue([&](Transaction& tx) { return ContentRefs::AnyNamespace(tx, kDigestA); })));
  REQUIRE_OK(
      store->Update([&](Transaction& tx) { return ContentRefs(tx, "default").Remove(kDigestA); }));
  CHECK_FALSE(ValueOrFail(
      store->ViewValue([&](Transaction& tx) { return ContentRefs::AnyNamespace(tx, kDigestA); })));
  REQUIRE_OK(store->Update([&](Transaction& tx) { return NamespaceStore(tx).Delete("other"); }));
}

}  // namespace
}  // namespace berth::containerd::metadata

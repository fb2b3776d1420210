#include "containerd/core/metadata/namespaces.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/containerd/metadata/test_util.h"

namespace berth::containerd::metadata {
namespace {

using testing::ValueOrFail;

absl::StatusOr<Namespace> Create(Store& store, const Namespace& ns) {
  return store.UpdateValue([&](Transaction& tx) { return NamespaceStore(tx).Create(ns); });
}

absl::StatusOr<Namespace> Get(Store& store, const std::string& name) {
  return store.ViewValue([&](Transaction& tx) { return NamespaceStore(tx).Get(name); });
}

absl::StatusOr<std::vector<Namespace>> List(Store& store, std::vector<std::string> filters = {}) {
  return store.ViewValue([&](Transaction& tx) { return NamespaceStore(tx).List(filters); });
}

absl::StatusOr<Namespace> Update(Store& store, const Namespace& ns,
                                 std::vector<std::string> paths) {
  return store.UpdateValue([&](Transaction& tx) { return NamespaceStore(tx).Update(ns, paths); });
}

absl::Status Delete(Store& store, const std::string& name) {
  return store.Update([&](Transaction& tx) { return NamespaceStore(tx).Delete(name); });
}

std::vector<std::string> Names(const std::vector<Namespace>& list) {
  std::vector<std::string> out;
  for (const Namespace& ns : list) out.push_back(ns.name);
  return out;
}

TEST_CASE("metadata namespaces: create and get", "[metadata][namespaces]") {
  TestStore store;
  Namespace created = ValueOrFail(Create(*store, {"prod", {{"team", "a"}, {"empty", ""}}}));
  // An empty value is no label (containerd's writeMap drops it).
  CHECK(created == Namespace{"prod", {{"team", "a"}}});
  CHECK(ValueOrFail(Get(*store, "prod")) == created);

  absl::Status again = Create(*store, {"prod", {}}).status();
  CHECK(again.code() == absl::StatusCode::kAlreadyExists);
  CHECK(Message(again) == R"(namespace "prod": already exists)");

  absl::Status missing = Get(*store, "nope").status();
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(Message(missing) == R"(namespace "nope": not found)");
}

TEST_CASE("metadata namespaces: names follow containerd's identifier rule",
          "[metadata][namespaces]") {
  TestStore store;
  for (const char* bad : {"", "a/b", "-a", "a..b", "A B"}) {
    INFO(bad);
    absl::Status s = Create(*store, {bad, {}}).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(Message(s), Catch::StartsWith("namespace: identifier"));
    if (*bad != '\0') CHECK_THAT(Message(s), Catch::Contains(std::string("\"") + bad + "\""));
    CHECK(Get(*store, bad).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Delete(*store, bad).code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(Create(*store, {std::string(76, 'a'), {}}).ok());
  CHECK(Create(*store, {std::string(77, 'a'), {}}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("metadata namespaces: labels are limited to 4096 bytes", "[metadata][namespaces]") {
  TestStore store;
  absl::Status s = Create(*store, {"big", {{"k", std::string(4096, 'v')}}}).status();
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(Message(s), Catch::Contains("greater than maximum size (4096 bytes)"));
  CHECK(Create(*store, {"fits", {{"k", std::string(4095, 'v')}}}).ok());
  CHECK(Update(*store, {"fits", {{"k", std::string(4096, 'v')}}}, {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("metadata namespaces: list is ordered and filtered", "[metadata][namespaces]") {
  TestStore store;
  REQUIRE_OK(Create(*store, {"b", {{"env", "prod"}}}).status());
  REQUIRE_OK(Create(*store, {"a", {{"env", "dev"}, {"x.y", "1"}}}).status());
  REQUIRE_OK(Create(*store, {"c", {}}).status());

  std::vector<Namespace> all = ValueOrFail(List(*store));
  CHECK(Names(all) == std::vector<std::string>{"a", "b", "c"});
  CHECK(all[0].labels == Labels{{"env", "dev"}, {"x.y", "1"}});
  CHECK(all[1].labels == Labels{{"env", "prod"}});
  CHECK(all[2].labels.empty());

  CHECK(Names(ValueOrFail(List(*store, {"labels.env==prod"}))) == std::vector<std::string>{"b"});
  CHECK(Names(ValueOrFail(List(*store, {R"(labels."x.y")"}))) == std::vector<std::string>{"a"});
  CHECK(Names(ValueOrFail(List(*store, {"name==c", "labels.env==dev"}))) ==
        std::vector<std::string>{"a", "c"});
  CHECK(Names(ValueOrFail(List(*store, {"name~=^[ab]$,labels.env!=dev"}))) ==
        std::vector<std::string>{"b"});
  CHECK(List(*store, {"name=="}).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("metadata namespaces: update replaces or edits labels", "[metadata][namespaces]") {
  TestStore store;
  REQUIRE_OK(Create(*store, {"ns", {{"a", "1"}, {"b", "2"}}}).status());

  SECTION("no paths replaces all labels") {
    CHECK(ValueOrFail(Update(*store, {"ns", {{"c", "3"}}}, {})) == Namespace{"ns", {{"c", "3"}}});
    CHECK(ValueOrFail(Get(*store, "ns")).labels == Labels{{"c", "3"}});
  }
  SECTION("\"labels\" replaces all labels") {
    CHECK(ValueOrFail(Update(*store, {"ns", {}}, {"labels"})).labels.empty());
    CHECK(ValueOrFail(Get(*store, "ns")).labels.empty());
  }
  SECTION("labels.<key> sets one key and leaves the rest") {
    Namespace ns =
        ValueOrFail(Update(*store, {"ns", {{"a", "9"}, {"c", "ignored"}}}, {"labels.a"}));
    CHECK(ns.labels == Labels{{"a", "9"}, {"b", "2"}});
    CHECK(ValueOrFail(Get(*store, "ns")) == ns);
  }
  SECTION("labels.<key> absent or empty in the request deletes it") {
    CHECK(
        ValueOrFail(Update(*store, {"ns", {{"b", ""}}}, {"labels.a", "labels.b"})).labels.empty());
  }
  SECTION("labels.<key> may contain dots") {
    CHECK(ValueOrFail(Update(*store, {"ns", {{"x.y/z", "v"}}}, {"labels.x.y/z"})).labels ==
          Labels{{"a", "1"}, {"b", "2"}, {"x.y/z", "v"}});
  }
  SECTION("other paths are refused and change nothing") {
    absl::Status s = Update(*store, {"ns", {{"a", "5"}}}, {"labels.a", "name"}).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(s) == R"(cannot update "name" field on namespace "ns")");
    CHECK(ValueOrFail(Get(*store, "ns")).labels == Labels{{"a", "1"}, {"b", "2"}});
  }
  SECTION("a missing namespace is NotFound") {
    CHECK(Update(*store, {"other", {}}, {}).status().code() == absl::StatusCode::kNotFound);
    CHECK(Get(*store, "other").status().code() == absl::StatusCode::kNotFound);
  }
}

TEST_CASE("metadata namespaces: delete", "[metadata][namespaces]") {
  TestStore store;
  REQUIRE_OK(Create(*store, {"ns", {{"a", "1"}}}).status());
  REQUIRE_OK(Delete(*store, "ns"));
  CHECK(Get(*store, "ns").status().code() == absl::StatusCode::kNotFound);
  absl::Status again = Delete(*store, "ns");
  CHECK(again.code() == absl::StatusCode::kNotFound);
  CHECK(Message(again) == R"(namespace "ns": not found)");
  // Its labels went with it: a new namespace of that name starts bare.
  CHECK(ValueOrFail(Create(*store, {"ns", {}})).labels.empty());
  CHECK(ValueOrFail(Get(*store, "ns")).labels.empty());
}

TEST_CASE("metadata namespaces: delete refuses while containers remain", "[metadata][namespaces]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "ns", MakeContainer("c1")).status());
  absl::Status s = Delete(*store, "ns");
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(s) == R"(namespace "ns" must be empty, but it still has containers)");
  REQUIRE_OK(store->Update([](Transaction& tx) { return ContainerStore(tx, "ns").Delete("c1"); }));
  REQUIRE_OK(Delete(*store, "ns"));
}

TEST_CASE("metadata namespaces: usage checks added later also block delete",
          "[metadata][namespaces]") {
  TestStore store;
  std::vector<std::string> seen;
  store->AddNamespaceUsageCheck(
      [&](Transaction&, std::string_view ns) -> absl::StatusOr<std::vector<std::string>> {
        seen.emplace_back(ns);
        if (ns == "busy") return std::vector<std::string>{"images", "leases"};
        return std::vector<std::string>{};
      });
  REQUIRE_OK(Create(*store, {"busy", {}}).status());
  REQUIRE_OK(CreateContainer(*store, "busy", MakeContainer("c1")).status());
  REQUIRE_OK(Create(*store, {"idle", {}}).status());

  absl::Status s = Delete(*store, "busy");
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(s) ==
        R"(namespace "busy" must be empty, but it still has containers, images, leases)");
  REQUIRE_OK(Delete(*store, "idle"));
  CHECK(seen == std::vector<std::string>{"busy", "idle"});

  store->AddNamespaceUsageCheck(
      [](Transaction&, std::string_view) -> absl::StatusOr<std::vector<std::string>> {
        return absl::UnavailableError("snapshotter down");
      });
  REQUIRE_OK(Create(*store, {"idle", {}}).status());
  CHECK(Delete(*store, "idle").code() == absl::StatusCode::kUnavailable);
  CHECK(Get(*store, "idle").ok());
}

TEST_CASE("metadata namespaces: ensure creates once", "[metadata][namespaces]") {
  TestStore store;
  REQUIRE_OK(
      store->Update([](Transaction& tx) { return NamespaceStore(tx).Ensure(kDefaultNamespace); }));
  REQUIRE_OK(Update(*store, {"default", {{"k", "v"}}}, {}).status());
  REQUIRE_OK(
      store->Update([](Transaction& tx) { return NamespaceStore(tx).Ensure(kDefaultNamespace); }));
  REQUIRE_OK(EnsureNamespace(*store, "default"));
  CHECK(ValueOrFail(Get(*store, "default")).labels == Labels{{"k", "v"}});
  REQUIRE_OK(EnsureNamespace(*store, "other"));
  CHECK(ValueOrFail(Get(*store, "other")).labels.empty());
  CHECK(EnsureNamespace(*store, "").code() == absl::StatusCode::kInvalidArgument);
  CHECK(
      store->Update([](Transaction& tx) { return NamespaceStore(tx).Ensure("bad/name"); }).code() ==
      absl::StatusCode::kInvalidArgument);
}

TEST_CASE("metadata namespaces: writes are refused in a view", "[metadata][namespaces]") {
  TestStore store;
  absl::Status s = store->View([](Transaction& tx) {
    return NamespaceStore(tx).Create({"ns", {}}).status();
  });
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(s) == "create namespace: not allowed in a read-only transaction");
  CHECK(store->View([](Transaction& tx) { return NamespaceStore(tx).Ensure("ns"); }).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(Get(*store, "ns").status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace berth::containerd::metadata

#include "containerd/core/metadata/containers.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/containerd/metadata/test_util.h"

namespace berth::containerd::metadata {
namespace {

using testing::ValueOrFail;

absl::StatusOr<std::vector<Container>> List(Store& store, const std::string& ns,
                                            std::vector<std::string> filters = {}) {
  return store.ViewValue([&](Transaction& tx) { return ContainerStore(tx, ns).List(filters); });
}

absl::StatusOr<Container> Update(Store& store, const std::string& ns, const Container& c,
                                 std::vector<std::string> paths) {
  return store.UpdateValue(
      [&](Transaction& tx) { return ContainerStore(tx, ns).Update(c, paths); });
}

absl::Status Delete(Store& store, const std::string& ns, const std::string& id) {
  return store.Update([&](Transaction& tx) { return ContainerStore(tx, ns).Delete(id); });
}

std::vector<std::string> Ids(const std::vector<Container>& list) {
  std::vector<std::string> out;
  for (const Container& c : list) out.push_back(c.id);
  return out;
}

// A container with every field set.
Container FullContainer(std::string id) {
  Container c = MakeContainer(std::move(id));
  c.labels = {{"app", "web"}, {"io.berth/x", "1"}};
  c.image = "docker.io/library/busybox:latest";
  c.runtime.options = Any{"types.berth.dev/runc.Options", std::string("\x0a\x04runc\x00\xff", 8)};
  c.spec = R"({"ociVersion":"1.1.0","process":{"args":["sh"]}})";
  c.snapshotter = "overlayfs";
  c.snapshot_key = "web-snapshot";
  c.extensions = {{"ext.a", Any{"types/A", std::string("\x00\x01", 2)}},
                  {"ext.b", Any{"types/B", ""}}};
  c.sandbox = "pod-1";
  return c;
}

TEST_CASE("metadata containers: create stores every field", "[metadata][containers]") {
  TestStore store;
  Timestamp before = Now();
  Container in = FullContainer("web");
  in.labels["dropped"] = "";  // empty values are not stored
  Container created = ValueOrFail(CreateContainer(*store, "default", in));
  Timestamp after = Now();

  CHECK(created.created_at >= before);
  CHECK(created.created_at <= after);
  CHECK(created.updated_at == created.created_at);
  Container expected = FullContainer("web");
  expected.created_at = created.created_at;
  expected.updated_at = created.updated_at;
  CHECK(created == expected);
  CHECK(ValueOrFail(GetContainer(*store, "default", "web")) == expected);

  // Runtime options: absent stays absent, present-but-empty stays present.
  Container bare = MakeContainer("bare");
  bare.spec.clear();
  CHECK_FALSE(ValueOrFail(CreateContainer(*store, "default", bare)).runtime.options.has_value());
  CHECK_FALSE(ValueOrFail(GetContainer(*store, "default", "bare")).runtime.options.has_value());
  CHECK(ValueOrFail(GetContainer(*store, "default", "bare")).spec.empty());
  Container empty_options = MakeContainer("empty-options");
  empty_options.runtime.options = Any{};
  REQUIRE_OK(CreateContainer(*store, "default", empty_options).status());
  CHECK(ValueOrFail(GetContainer(*store, "default", "empty-options")).runtime.options == Any{});
}

TEST_CASE("metadata containers: create creates the namespace", "[metadata][containers]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "default", MakeContainer("c")).status());
  REQUIRE_OK(CreateContainer(*store, "k8s.io", MakeContainer("c")).status());
  std::vector<Namespace> namespaces =
      ValueOrFail(store->ViewValue([](Transaction& tx) { return NamespaceStore(tx).List(); }));
  REQUIRE(namespaces.size() == 2);
  CHECK(namespaces[0].name == "default");
  CHECK(namespaces[1].name == "k8s.io");
}

TEST_CASE("metadata containers: create refuses a taken id", "[metadata][containers]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "default", MakeContainer("c")).status());
  absl::Status s = CreateContainer(*store, "default", MakeContainer("c")).status();
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(Message(s) == R"(container "c": already exists)");
  // The same id in another namespace is another container.
  CHECK(CreateContainer(*store, "other", MakeContainer("c")).ok());
}

TEST_CASE("metadata containers: create validates the record", "[metadata][containers]") {
  TestStore store;
  struct Bad {
    std::string name;
    Container c;
    std::string message;
  };
  std::vector<Bad> cases;
  {
    Container c = MakeContainer("a/b");
    cases.push_back({"bad id", c,
                     R"(create container: container.id: identifier "a/b" must match )"
                     R"([A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)"});
  }
  {
    Container c = MakeContainer("");
    cases.push_back(
        {"empty id", c, "create container: container.id: identifier must not be empty"});
  }
  {
    Container c = MakeContainer("x");
    c.runtime.name.clear();
    cases.push_back({"no runtime", c, "create container: container.runtime.name must be set"});
  }
  {
    Container c = MakeContainer("x");
    c.spec = "{not json";
    cases.push_back({"spec not JSON", c, ""});
  }
  {
    Container c = MakeContainer("x");
    c.spec = "[1, 2]";
    cases.push_back({"spec not an object", c,
                     "create container: container.spec: expected a JSON object, got array"});
  }
  {
    Container c = MakeContainer("x");
    c.snapshot_key = "k";
    cases.push_back({"snapshot key without snapshotter", c,
                     "create container: container.snapshotter must be set if "
                     "container.snapshot_key is set"});
  }
  {
    Container c = MakeContainer("x");
    c.extensions[""] = Any{"t", "v"};
    cases.push_back({"empty extension name", c,
                     "create container: container.extensions: names must not be empty"});
  }
  {
    Container c = MakeContainer("x");
    c.labels["k"] = std::string(5000, 'v');
    cases.push_back({"label too big", c, ""});
  }
  for (const Bad& bad : cases) {
    SECTION(bad.name) {
      absl::Status s = CreateContainer(*store, "default", bad.c).status();
      CHECK(s.code() == absl::StatusCode::kInvalidArgument);
      if (!bad.message.empty()) CHECK(Message(s) == bad.message);
      CHECK(ValueOrFail(List(*store, "default")).empty());
    }
  }
  SECTION("bad namespace") {
    absl::Status s = CreateContainer(*store, "bad ns", MakeContainer("x")).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(Message(s), Catch::StartsWith(R"(namespace: identifier "bad ns")"));
  }
}

TEST_CASE("metadata containers: get", "[metadata][containers]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "a", MakeContainer("c")).status());
  absl::Status s = GetContainer(*store, "b", "c").status();
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(Message(s) == R"(container "c" in namespace "b": not found)");
  CHECK(GetContainer(*store, "a", "d").status().code() == absl::StatusCode::kNotFound);
  CHECK(GetContainer(*store, "a", "d/e").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("metadata containers: list with filters", "[metadata][containers]") {
  TestStore store;
  Container web = FullContainer("web");
  Container db = MakeContainer("db");
  db.image = "docker.io/library/postgres:16";
  db.labels = {{"app", "db"}, {"tier.name", "back"}};
  db.runtime.name = "io.containerd.runsc.v1";
  Container job = MakeContainer("job");
  job.labels = {{"odd", "true"}};
  for (const Container& c : {web, db, job}) REQUIRE_OK(CreateContainer(*store, "ns", c).status());
  REQUIRE_OK(CreateContainer(*store, "elsewhere", MakeContainer("hidden")).status());

  auto ids = [&](std::vector<std::string> filters) {
    return Ids(ValueOrFail(List(*store, "ns", std::move(filters))));
  };
  using V = std::vector<std::string>;
  CHECK(ids({}) == V{"db", "job", "web"});
  CHECK(ids({"id==web"}) == V{"web"});
  CHECK(ids({"id!=web"}) == V{"db", "job"});
  CHECK(ids({"image~=busybox"}) == V{"web"});
  // Inside /.../ only Go escapes are legal, so the regex \. is written \\.
  CHECK(ids({R"(image~=/^docker\\.io\/library\//)"}) == V{"db", "web"});
  CHECK(ids({"image"}) == V{"db", "web"});
  CHECK(ids({"labels.app==db"}) == V{"db"});
  CHECK(ids({R"(labels."io.berth/x"==1)"}) == V{"web"});
  CHECK(ids({R"(labels."tier.name"==back)"}) == V{"db"});
  CHECK(ids({"labels.tier.name==back"}) == V{"db"});
  CHECK(ids({"runtime.name==io.containerd.runc.v2"}) == V{"job", "web"});
  CHECK(ids({"runtime"}) == V{});
  CHECK(ids({"snapshotter==overlayfs"}) == V{"web"});
  CHECK(ids({"snapshot_key"}) == V{"web"});
  CHECK(ids({"sandbox==pod-1"}) == V{"web"});
  CHECK(ids({"labels.app,runtime.name!=io.containerd.runsc.v1"}) == V{"web"});
  CHECK(ids({"labels.odd==true", "labels.app==db"}) == V{"db", "job"});
  CHECK(ids({"nosuchfield"}) == V{});

  CHECK(Ids(ValueOrFail(List(*store, "empty"))).empty());
  absl::Status s = List(*store, "ns", {"id=="}).status();
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(Message(s), Catch::StartsWith("filters: parse error: [id==]"));

  // List returns whole records.
  std::vector<Container> listed = ValueOrFail(List(*store, "ns", {"id==web"}));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0] == ValueOrFail(GetContainer(*store, "ns", "web")));
}

TEST_CASE("metadata containers: update with field masks", "[metadata][containers]") {
  TestStore store;
  Container original = ValueOrFail(CreateContainer(*store, "ns", FullContainer("web")));
  Container request = FullContainer("web");
  request.labels = {{"app", "api"}, {"new", "yes"}};
  request.image = "docker.io/library/alpine:3";
  request.spec = R"({"ociVersion":"1.2.0"})";
  request.snapshot_key = "web-snapshot-2";
  request.extensions = {{"ext.c", Any{"types/C", "c"}}};

  auto update = [&](std::vector<std::string> paths) {
    return ValueOrFail(Update(*store, "ns", request, std::move(paths)));
  };

  SECTION("labels replaces all labels") {
    Container c = update({"labels"});
    CHECK(c.labels == request.labels);
    CHECK(c.image == original.image);
    CHECK(c.spec == original.spec);
  }
  SECTION("labels.<key> sets or removes one label") {
    Container c = update({"labels.app", "labels.io.berth/x", "labels.new"});
    CHECK(c.labels == Labels{{"app", "api"}, {"new", "yes"}});
  }
  SECTION("image, spec, snapshotkey, snapshot_key") {
    CHECK(update({"image"}).image == request.image);
    CHECK(update({"spec"}).spec == request.spec);
    request.snapshot_key = "k3";
    CHECK(update({"snapshotkey"}).snapshot_key == "k3");
    request.snapshot_key = "k4";
    Container c = update({"snapshot_key"});
    CHECK(c.snapshot_key == "k4");
    CHECK(c.labels == original.labels);
  }
  SECTION("extensions and extensions.<key>") {
    Container c = update({"extensions.ext.c", "extensions.ext.a"});
    CHECK(c.extensions == std::map<std::string, Any>{{"ext.b", original.extensions.at("ext.b")},
                                                     {"ext.c", Any{"types/C", "c"}}});
    c = update({"extensions"});
    CHECK(c.extensions == request.extensions);
  }
  SECTION("an empty mask updates every mutable field") {
    request.sandbox = "ignored";
    request.runtime.options = Any{"ignored", ""};
    Container c = update({});
    CHECK(c.labels == request.labels);
    CHECK(c.image == request.image);
    CHECK(c.spec == request.spec);
    CHECK(c.snapshot_key == request.snapshot_key);
    CHECK(c.extensions == request.extensions);
    // Not covered by a full update (containerd's list), so unchanged.
    CHECK(c.sandbox == original.sandbox);
    CHECK(c.runtime == original.runtime);
  }
  SECTION("an empty mask refuses a changed snapshotter or runtime name") {
    request.snapshotter = "native";
    absl::Status s = Update(*store, "ns", request, {}).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(s) == "container.snapshotter field is immutable");
    request.snapshotter = original.snapshotter;
    request.runtime.name = "io.containerd.runsc.v1";
    s = Update(*store, "ns", request, {}).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(s) == "container.runtime.name field is immutable");
  }
  SECTION("runtime, snapshotter, sandbox and unknown paths are refused") {
    for (const char* path : {"runtime", "snapshotter", "sandbox", "id", "created_at", "bogus"}) {
      INFO(path);
      absl::Status s = Update(*store, "ns", request, {"image", path}).status();
      CHECK(s.code() == absl::StatusCode::kInvalidArgument);
      CHECK(Message(s) == fmt::format(R"(cannot update "{}" field on "web")", path));
    }
  }
  SECTION("the result is validated") {
    request.spec = "nope";
    CHECK(Update(*store, "ns", request, {"spec"}).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  SECTION("a missing container or id") {
    request.id = "other";
    absl::Status s = Update(*store, "ns", request, {"image"}).status();
    CHECK(s.code() == absl::StatusCode::kNotFound);
    CHECK(Message(s) == R"(container "other" in namespace "ns": not found)");
    request.id.clear();
    s = Update(*store, "ns", request, {"image"}).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(s) == "must specify a container id");
  }

  // Whatever happened, created_at is kept, a failed update changed nothing,
  // and a successful one moved updated_at forward and is what Get returns.
  Container now = ValueOrFail(GetContainer(*store, "ns", "web"));
  CHECK(now.created_at == original.created_at);
  if (now.updated_at == original.updated_at) {
    CHECK(now == original);
  } else {
    CHECK(now.updated_at > original.updated_at);
  }
}

TEST_CASE("metadata containers: updated_at always moves forward", "[metadata][containers]") {
  TestStore store;
  Container c = ValueOrFail(CreateContainer(*store, "ns", MakeContainer("c")));
  Timestamp last = c.updated_at;
  for (int i = 0; i < 20; ++i) {
    c.image = "image-" + std::to_string(i);
    Container updated = ValueOrFail(Update(*store, "ns", c, {"image"}));
    CHECK(updated.updated_at > last);
    CHECK(updated.created_at == c.created_at);
    last = updated.updated_at;
  }
  CHECK(ValueOrFail(GetContainer(*store, "ns", "c")).updated_at == last);
}

TEST_CASE("metadata containers: delete", "[metadata][containers]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "ns", FullContainer("web")).status());
  REQUIRE_OK(Delete(*store, "ns", "web"));
  CHECK(GetContainer(*store, "ns", "web").status().code() == absl::StatusCode::kNotFound);
  absl::Status s = Delete(*store, "ns", "web");
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(Message(s) == R"(container "web" in namespace "ns": not found)");
  CHECK(Delete(*store, "ns", "bad/id").code() == absl::StatusCode::kInvalidArgument);
  // Labels and extensions went with it.
  Container again = ValueOrFail(CreateContainer(*store, "ns", MakeContainer("web")));
  CHECK(again.labels.empty());
  CHECK(ValueOrFail(GetContainer(*store, "ns", "web")).extensions.empty());
}

TEST_CASE("metadata containers: delete refuses while a task is recorded",
          "[metadata][containers]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "ns", MakeContainer("web")).status());
  REQUIRE_OK(store->Update([](Transaction& tx) {
    return TaskBundleStore(tx).Put({"ns", "web", "/run/b/ns/web", "", 0, {}}).status();
  }));
  absl::Status s = Delete(*store, "ns", "web");
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(s) == R"(container "web" in namespace "ns" has a task: delete it first)");
  REQUIRE_OK(
      store->Update([](Transaction& tx) { return TaskBundleStore(tx).Delete("ns", "web"); }));
  REQUIRE_OK(Delete(*store, "ns", "web"));
}

TEST_CASE("metadata containers: a read-modify-write in one transaction", "[metadata][containers]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "ns", MakeContainer("c")).status());
  REQUIRE_OK(store->Update([](Transaction& tx) -> absl::Status {
    ContainerStore containers(tx, "ns");
    BERTH_ASSIGN_OR_RETURN(Container c, containers.Get("c"));
    c.labels["count"] = std::to_string(c.labels.size() + 1);
    return containers.Update(c, {"labels.count"}).status();
  }));
  CHECK(ValueOrFail(GetContainer(*store, "ns", "c")).labels == Labels{{"count", "1"}});
}

TEST_CASE("metadata containers: the adaptor's fields", "[metadata][containers]") {
  Container c = FullContainer("web");
  ContainerAdaptor a(c);
  CHECK(a.Field({"id"}) == "web");
  CHECK(a.Field({"image"}) == c.image);
  CHECK(a.Field({"runtime", "name"}) == c.runtime.name);
  CHECK(a.Field({"runtime"}) == std::nullopt);
  CHECK(a.Field({"runtime", "options"}) == std::nullopt);
  CHECK(a.Field({"labels", "io", "berth/x"}) == "1");
  CHECK(a.Field({"snapshotter"}) == "overlayfs");
  CHECK(a.Field({"snapshot_key"}) == "web-snapshot");
  CHECK(a.Field({"sandbox"}) == "pod-1");
  CHECK(a.Field({"spec"}) == std::nullopt);
  CHECK(a.Field({}) == std::nullopt);
  Container bare;
  CHECK(ContainerAdaptor(bare).Field({"image"}) == std::nullopt);
  CHECK(ContainerAdaptor(bare).Field({"labels", "x"}) == std::nullopt);
}

}  // namespace
}  // namespace berth::containerd::metadata

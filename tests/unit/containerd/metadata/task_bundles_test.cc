#include "containerd/core/metadata/task_bundles.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/containerd/metadata/test_util.h"

namespace berth::containerd::metadata {
namespace {

using testing::ValueOrFail;

absl::StatusOr<TaskBundle> Put(Store& store, const TaskBundle& b) {
  return store.UpdateValue([&](Transaction& tx) { return TaskBundleStore(tx).Put(b); });
}

absl::StatusOr<TaskBundle> Get(Store& store, const std::string& ns, const std::string& id) {
  return store.ViewValue([&](Transaction& tx) { return TaskBundleStore(tx).Get(ns, id); });
}

absl::StatusOr<std::vector<TaskBundle>> List(Store& store,
                                             std::optional<std::string> ns = std::nullopt) {
  return store.ViewValue([&](Transaction& tx) {
    return TaskBundleStore(tx).List(ns ? std::optional<std::string_view>(*ns) : std::nullopt);
  });
}

absl::Status Delete(Store& store, const std::string& ns, const std::string& id) {
  return store.Update([&](Transaction& tx) { return TaskBundleStore(tx).Delete(ns, id); });
}

TaskBundle Bundle(std::string ns, std::string id) {
  TaskBundle b;
  b.ns = std::move(ns);
  b.container_id = std::move(id);
  b.bundle_path =
      "/run/berth/containerd/io.containerd.runtime.v2.task/" + b.ns + "/" + b.container_id;
  b.shim_address = "unix:///run/berth/containerd/s/" + b.container_id;
  b.shim_pid = 4242;
  return b;
}

TEST_CASE("metadata task bundles: put, get, list, delete", "[metadata][task_bundles]") {
  TestStore store;
  for (const char* ns : {"b", "a"}) {
    for (const char* id : {"y", "x"})
      REQUIRE_OK(CreateContainer(*store, ns, MakeContainer(id)).status());
  }
  Timestamp before = Now();
  TaskBundle put = ValueOrFail(Put(*store, Bundle("b", "y")));
  CHECK(put.created_at >= before);
  CHECK(put.created_at <= Now());
  TaskBundle expected = Bundle("b", "y");
  expected.created_at = put.created_at;
  CHECK(put == expected);
  CHECK(ValueOrFail(Get(*store, "b", "y")) == expected);

  REQUIRE_OK(Put(*store, Bundle("a", "x")).status());
  REQUIRE_OK(Put(*store, Bundle("b", "x")).status());
  std::vector<TaskBundle> all = ValueOrFail(List(*store));
  REQUIRE(all.size() == 3);
  CHECK(all[0].ns == "a");
  CHECK(all[1].container_id == "x");
  CHECK(all[2] == expected);
  CHECK(ValueOrFail(List(*store, "b")).size() == 2);
  CHECK(ValueOrFail(List(*store, "none")).empty());
  CHECK(List(*store, "bad/ns").status().code() == absl::StatusCode::kInvalidArgument);

  REQUIRE_OK(Delete(*store, "b", "y"));
  absl::Status gone = Get(*store, "b", "y").status();
  CHECK(gone.code() == absl::StatusCode::kNotFound);
  CHECK(Message(gone) == R"(task bundle of container "y" in namespace "b": not found)");
  CHECK(Delete(*store, "b", "y").code() == absl::StatusCode::kNotFound);
  CHECK(ValueOrFail(List(*store)).size() == 2);
}

TEST_CASE("metadata task bundles: put replaces and keeps created_at", "[metadata][task_bundles]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "ns", MakeContainer("c")).status());
  TaskBundle starting = Bundle("ns", "c");
  starting.shim_address.clear();
  starting.shim_pid = 0;
  TaskBundle first = ValueOrFail(Put(*store, starting));

  TaskBundle started = Bundle("ns", "c");  // shim known now; created_at left zero
  TaskBundle second = ValueOrFail(Put(*store, started));
  CHECK(second.created_at == first.created_at);
  CHECK(second.shim_pid == 4242);
  CHECK(ValueOrFail(Get(*store, "ns", "c")) == second);

  TaskBundle explicit_time = Bundle("ns", "c");
  explicit_time.created_at = FromUnixNanos(1'700'000'000'123'456'789);
  CHECK(ValueOrFail(Put(*store, explicit_time)).created_at == explicit_time.created_at);
  CHECK(ValueOrFail(Get(*store, "ns", "c")).created_at == explicit_time.created_at);
  CHECK(ValueOrFail(List(*store)).size() == 1);
}

TEST_CASE("metadata task bundles: put validates", "[metadata][task_bundles]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "ns", MakeContainer("c")).status());

  absl::Status no_container = Put(*store, Bundle("ns", "d")).status();
  CHECK(no_container.code() == absl::StatusCode::kNotFound);
  CHECK(Message(no_container) == R"(container "d" in namespace "ns": not found)");
  CHECK(Put(*store, Bundle("other", "c")).status().code() == absl::StatusCode::kNotFound);

  TaskBundle relative = Bundle("ns", "c");
  relative.bundle_path = "run/x";
  absl::Status s = Put(*store, relative).status();
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(s) == R"(task bundle path "run/x" is not absolute)");
  relative.bundle_path.clear();
  CHECK(Put(*store, relative).status().code() == absl::StatusCode::kInvalidArgument);

  TaskBundle negative = Bundle("ns", "c");
  negative.shim_pid = -1;
  CHECK(Put(*store, negative).status().code() == absl::StatusCode::kInvalidArgument);

  CHECK(Put(*store, Bundle("ns", "a..b")).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Put(*store, Bundle("n s", "c")).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Get(*store, "ns", "a/b").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ValueOrFail(List(*store)).empty());

  CHECK(store
            ->View(
                [](Transaction& tx) { return TaskBundleStore(tx).Put(Bundle("ns", "c")).status(); })
            .code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace berth::containerd::metadata

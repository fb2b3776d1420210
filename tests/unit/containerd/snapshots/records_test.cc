// Snapshot records in the metadata store: no filesystem, no root.
#include "containerd/core/snapshots/records.h"

#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "containerd/core/metadata/namespaces.h"
#include "containerd/core/snapshots/mount.h"
#include "tests/unit/containerd/metadata/test_util.h"

namespace berth::containerd::snapshots {
namespace {

using metadata::Message;
using metadata::NamespaceStore;
using metadata::TestStore;
using metadata::Transaction;
using testing::ValueOrFail;

constexpr std::string_view kSn = "overlayfs";

absl::StatusOr<Record> Create(metadata::Store& store, Kind kind, const std::string& key,
                              const std::string& parent = "", const Labels& labels = {},
                              const std::string& ns = "default") {
  return store.UpdateValue([&](Transaction& tx) {
    return SnapshotRecords(tx, std::string(kSn), ns).Create(kind, key, parent, labels);
  });
}

absl::StatusOr<Record> Commit(metadata::Store& store, const std::string& name,
                              const std::string& key, const Labels& labels = {}) {
  return store.UpdateValue([&](Transaction& tx) {
    return SnapshotRecords(tx, std::string(kSn), "default").Commit(name, key, labels);
  });
}

absl::StatusOr<Record> Get(metadata::Store& store, const std::string& key,
                           const std::string& ns = "default") {
  return store.ViewValue(
      [&](Transaction& tx) { return SnapshotRecords(tx, std::string(kSn), ns).Get(key); });
}

absl::StatusOr<int64_t> Remove(metadata::Store& store, const std::string& key) {
  return store.UpdateValue([&](Transaction& tx) {
    return SnapshotRecords(tx, std::string(kSn), "default").Remove(key);
  });
}

std::vector<std::string> Names(metadata::Store& store, const std::vector<std::string>& filters) {
  std::vector<Info> infos = ValueOrFail(store.ViewValue([&](Transaction& tx) {
    return SnapshotRecords(tx, std::string(kSn), "default").List(filters);
  }));
  std::vector<std::string> names;
  for (const Info& i : infos) names.push_back(i.name);
  return names;
}

TEST_CASE("snapshot records: prepare, commit and chain", "[snapshots][records]") {
  TestStore store;
  Record a = ValueOrFail(Create(*store, Kind::kActive, "a", "", {{"x", "1"}, {"empty", ""}}));
  CHECK(a.id > 0);
  CHECK(a.info.name == "a");
  CHECK(a.info.kind == Kind::kActive);
  CHECK(a.info.parent.empty());
  CHECK(a.info.labels == Labels{{"x", "1"}});
  CHECK(a.parent_ids.empty());

  Record l1 = ValueOrFail(Commit(*store, "layer1", "a", {{"y", "2"}}));
  CHECK(l1.id == a.id);  // same directory
  CHECK(l1.info.kind == Kind::kCommitted);
  CHECK(l1.info.labels == Labels{{"y", "2"}});
  CHECK(Get(*store, "a").status().code() == absl::StatusCode::kNotFound);

  ValueOrFail(Create(*store, Kind::kActive, "b", "layer1"));
  Record l2 = ValueOrFail(Commit(*store, "layer2", "b"));
  Record top = ValueOrFail(Create(*store, Kind::kActive, "top", "layer2"));
  CHECK(top.info.parent == "layer2");
  CHECK(top.parent_ids == std::vector<int64_t>{l2.id, l1.id});

  Record v = ValueOrFail(Create(*store, Kind::kView, "v", "layer2"));
  CHECK(v.info.kind == Kind::kView);
  CHECK(v.parent_ids == std::vector<int64_t>{l2.id, l1.id});
}

TEST_CASE("snapshot records: refusals", "[snapshots][records]") {
  TestStore store;
  ValueOrFail(Create(*store, Kind::kActive, "a"));
  ValueOrFail(Create(*store, Kind::kView, "v"));

  SECTION("key taken") {
    absl::Status s = Create(*store, Kind::kActive, "a").status();
    CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  }
  SECTION("empty key") {
    CHECK(Create(*store, Kind::kActive, "").status().code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("committed cannot be created") {
    CHECK(Create(*store, Kind::kCommitted, "c").status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  SECTION("missing parent") {
    CHECK(Create(*store, Kind::kActive, "b", "nope").status().code() ==
          absl::StatusCode::kNotFound);
  }
  SECTION("parent not committed") {
    absl::Status s = Create(*store, Kind::kActive, "b", "a").status();
    CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Message(s) == R"(parent snapshot "a" of "b" is active, not committed)");
  }
  SECTION("commit of a view") {
    CHECK(Commit(*store, "c", "v").status().code() == absl::StatusCode::kFailedPrecondition);
  }
  SECTION("commit to a taken name") {
    absl::Status s = Commit(*store, "v", "a").status();
    CHECK(s.code() == absl::StatusCode::kAlreadyExists);
    CHECK(Get(*store, "a").ok());  // rolled back
  }
  SECTION("commit of a committed snapshot") {
    ValueOrFail(Commit(*store, "c", "a"));
    CHECK(Commit(*store, "d", "c").status().code() == absl::StatusCode::kFailedPrecondition);
  }
  SECTION("view transaction cannot write") {
    absl::Status s = store->View([&](Transaction& tx) {
      return SnapshotRecords(tx, std::string(kSn), "default")
          .Create(Kind::kActive, "x", "", {})
          .status();
    });
    CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  }
}

TEST_CASE("snapshot records: remove refuses a parent with children", "[snapshots][records]") {
  TestStore store;
  ValueOrFail(Create(*store, Kind::kActive, "a"));
  Record base = ValueOrFail(Commit(*store, "base", "a"));
  ValueOrFail(Create(*store, Kind::kActive, "child", "base"));

  absl::Status s = Remove(*store, "base").status();
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(s) ==
        R"(remove snapshot "base" in namespace "default": it is the parent of "child"; )"
        "remove that first");

  // The foreign key is a backstop behind the check.
  absl::Status raw = store->Update(
      [](Transaction& tx) { return tx.db().Exec("DELETE FROM snapshots WHERE key = 'base'"); });
  CHECK(raw.code() == absl::StatusCode::kFailedPrecondition);

  ValueOrFail(Remove(*store, "child"));
  CHECK(ValueOrFail(Remove(*store, "base")) == base.id);
  CHECK(Remove(*store, "base").status().code() == absl::StatusCode::kNotFound);

  // Ids are never reused: a directory left behind never meets a new record.
  Record again = ValueOrFail(Create(*store, Kind::kActive, "a"));
  CHECK(again.id > base.id + 1);
}

TEST_CASE("snapshot records: list with filters", "[snapshots][records]") {
  TestStore store;
  ValueOrFail(Create(*store, Kind::kActive, "a", "", {{"app", "web"}}));
  ValueOrFail(Commit(*store, "base", "a", {{"app", "db"}}));
  ValueOrFail(Create(*store, Kind::kActive, "c1", "base", {{"app", "web"}}));
  ValueOrFail(Create(*store, Kind::kView, "v1", "base"));
  ValueOrFail(Create(*store, Kind::kActive, "other", "", {}, "ns2"));

  CHECK(Names(*store, {}) == std::vector<std::string>{"base", "c1", "v1"});
  CHECK(Names(*store, {"kind==view"}) == std::vector<std::string>{"v1"});
  CHECK(Names(*store, {"kind==committed"}) == std::vector<std::string>{"base"});
  CHECK(Names(*store, {"parent==base"}) == std::vector<std::string>{"c1", "v1"});
  CHECK(Names(*store, {"parent"}) == std::vector<std::string>{"c1", "v1"});
  CHECK(Names(*store, {"labels.app==web"}) == std::vector<std::string>{"c1"});
  CHECK(Names(*store, {"name~=^v", "labels.app==db"}) == std::vector<std::string>{"base", "v1"});
  absl::Status bad = store->View([&](Transaction& tx) {
    return SnapshotRecords(tx, std::string(kSn), "default").List({"labels."}).status();
  });
  CHECK(bad.code() == absl::StatusCode::kInvalidArgument);

  // Another snapshotter's records are not this one's.
  std::vector<Info> native = ValueOrFail(store->ViewValue(
      [&](Transaction& tx) { return SnapshotRecords(tx, "native", "default").List(); }));
  CHECK(native.empty());
  std::vector<int64_t> ids = ValueOrFail(
      store->ViewValue([&](Transaction& tx) { return SnapshotRecords::AllIds(tx, kSn); }));
  CHECK(ids.size() == 4);  // every namespace
}

TEST_CASE("snapshot records: update labels", "[snapshots][records]") {
  TestStore store;
  Record a = ValueOrFail(Create(*store, Kind::kActive, "a", "", {{"x", "1"}, {"y", "2"}}));
  auto update = [&](const Info& info, const std::vector<std::string>& paths) {
    return store->UpdateValue([&](Transaction& tx) {
      return SnapshotRecords(tx, std::string(kSn), "default").Update(info, paths);
    });
  };
  Info in;
  in.name = "a";
  in.labels = {{"x", "9"}, {"z", "3"}};
  Info out = ValueOrFail(update(in, {"labels.x", "labels.y"}));
  CHECK(out.labels == Labels{{"x", "9"}});
  CHECK(out.updated > a.info.updated);
  CHECK(ValueOrFail(Get(*store, "a")).info == out);

  out = ValueOrFail(update(in, {}));
  CHECK(out.labels == in.labels);
  CHECK(update(in, {"parent"}).status().code() == absl::StatusCode::kInvalidArgument);
  in.name = "missing";
  CHECK(update(in, {}).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("snapshot records: a namespace with snapshots cannot be deleted",
          "[snapshots][records]") {
  TestStore store;
  store->AddNamespaceUsageCheck(SnapshotRecords::UsageCheck(std::string(kSn)));
  ValueOrFail(Create(*store, Kind::kActive, "a", "", {}, "ns1"));  // creates ns1

  absl::Status s = store->Update([](Transaction& tx) { return NamespaceStore(tx).Delete("ns1"); });
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(s) ==
        R"(namespace "ns1" must be empty, but it still has snapshots on "overlayfs" snapshotter)");

  // Without the check, the foreign key still refuses.
  absl::Status raw = store->Update(
      [](Transaction& tx) { return tx.db().Exec("DELETE FROM namespaces WHERE name = 'ns1'"); });
  CHECK(raw.code() == absl::StatusCode::kFailedPrecondition);

  REQUIRE_OK(store->Update([](Transaction& tx) {
    return SnapshotRecords(tx, std::string(kSn), "ns1").Remove("a").status();
  }));
  REQUIRE_OK(store->Update([](Transaction& tx) { return NamespaceStore(tx).Delete("ns1"); }));
}

TEST_CASE("snapshot records: survive a reopen", "[snapshots][records]") {
  TestStore store;
  Record a = ValueOrFail(Create(*store, Kind::kActive, "a", "", {{"k", "v"}}));
  store.Reopen();
  Record again = ValueOrFail(Get(*store, "a"));
  CHECK(again.id == a.id);
  CHECK(again.info == a.info);
}

TEST_CASE("snapshot mounts: options split into flags and data", "[snapshots][mount]") {
  MountArgs args = ParseMountOptions({"ro", "rbind", "nosuid", "lowerdir=/a:/b", "index=off"});
  CHECK(args.flags == (MS_RDONLY | MS_BIND | MS_REC | MS_NOSUID));
  CHECK(args.data == "lowerdir=/a:/b,index=off");
  CHECK(ParseMountOptions({"ro", "rw"}).flags == 0);
}

}  // namespace
}  // namespace berth::containerd::snapshots

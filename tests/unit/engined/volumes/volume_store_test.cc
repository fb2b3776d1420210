#include "engined/volumes/volume_store.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

std::unique_ptr<VolumeStore> OpenStore(const berth::testing::TempDir& dir) {
  return ValueOrFail(VolumeStore::Open(dir.path()));
}

Volume Make(VolumeStore& store, const std::string& name,
            std::map<std::string, std::string> labels = {}) {
  VolumeCreateOptions o;
  o.name = name;
  o.labels = std::move(labels);
  return ValueOrFail(store.Create(o));
}

std::vector<std::string> Names(const std::vector<Volume>& vs) {
  std::vector<std::string> out;
  for (const Volume& v : vs) out.push_back(v.name);
  return out;
}

std::vector<std::string> ListNames(VolumeStore& store, const std::string& filters) {
  return Names(ValueOrFail(store.List(ValueOrFail(ParseFilters(filters)))));
}

TEST_CASE("create makes _data and metadata, create again returns it", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Volume v = Make(*store, "data", {{"k", "v"}});
  CHECK(v.driver == "local");
  CHECK(v.mountpoint == dir.path() + "/volumes/data/_data");
  CHECK(v.labels == std::map<std::string, std::string>{{"k", "v"}});
  CHECK_FALSE(v.created_at.empty());
  struct stat st;
  REQUIRE(::stat(v.mountpoint.c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(PathExists(dir.path() + "/volumes/data/volume.json"));

  // Same name: the existing volume, labels of the first create kept.
  Volume again = Make(*store, "data", {{"other", "x"}});
  CHECK(again.created_at == v.created_at);
  CHECK(again.labels == v.labels);
}

TEST_CASE("create errors: names, drivers, options", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  VolumeCreateOptions o;
  o.name = "a/b";
  absl::StatusOr<Volume> v = store->Create(o);
  CHECK(v.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ToStd(v.status().message()).rfind("create a/b: \"a/b\" includes invalid characters", 0) ==
        0);

  o.name = "ok1";
  o.driver = "nfs-plugin";
  v = store->Create(o);
  CHECK(v.status().code() == absl::StatusCode::kNotFound);
  CHECK(ToStd(v.status().message()) ==
        "error looking up volume plugin nfs-plugin: plugin \"nfs-plugin\" not found");

  o.driver = "";
  o.options = {{"bogus", "1"}};
  v = store->Create(o);
  CHECK(v.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ToStd(v.status().message()) == "create ok1: invalid option: \"bogus\"");
  o.options = {{"type", "tmpfs"}};
  CHECK(ToStd(store->Create(o).status().message()) ==
        "create ok1: missing required option: \"device\"");
  o.options = {{"device", "tmpfs"}};
  CHECK(ToStd(store->Create(o).status().message()) ==
        "create ok1: missing required option: \"type\"");
  o.options = {{"o", "size=1m"}};
  CHECK(ToStd(store->Create(o).status().message()) ==
        "create ok1: missing required option: \"device\"");
  // Nothing was left behind by the failures.
  CHECK(ListNames(*store, "").empty());
  CHECK_FALSE(PathExists(dir.path() + "/volumes/ok1"));

  o.options = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}};
  Volume tmpfs = ValueOrFail(store->Create(o));
  CHECK(tmpfs.options.size() == 3);
}

TEST_CASE("anonymous volumes get a random name and docker's label", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Volume v = ValueOrFail(store->Create({}));
  CHECK(v.name.size() == 64);
  CHECK(v.labels.count(kAnonymousLabel) == 1);
  CHECK(v.labels.at(kAnonymousLabel).empty());
}

TEST_CASE("get of a missing volume is docker's 404", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  absl::StatusOr<Volume> v = store->Get("nope");
  CHECK(v.status().code() == absl::StatusCode::kNotFound);
  CHECK(ToStd(v.status().message()) == "get nope: no such volume");
}

TEST_CASE("list filters: name, label, dangling, driver", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Make(*store, "alpha", {{"env", "prod"}, {"team", "a"}});
  Make(*store, "beta", {{"env", "dev"}});
  Make(*store, "gamma");
  REQUIRE_OK(store->Acquire("beta", "c1").status());

  using V = std::vector<std::string>;
  CHECK(ListNames(*store, "") == V{"alpha", "beta", "gamma"});
  CHECK(ListNames(*store, R"({"name":{"al":true}})") == V{"alpha"});
  CHECK(ListNames(*store, R"({"name":["^.a"]})") == V{"gamma"});
  CHECK(ListNames(*store, R"({"label":{"env":true}})") == V{"alpha", "beta"});
  CHECK(ListNames(*store, R"({"label":{"env=prod":true}})") == V{"alpha"});
  CHECK(ListNames(*store, R"({"label":{"env=prod":true,"team=b":true}})").empty());
  CHECK(ListNames(*store, R"({"dangling":{"true":true}})") == V{"alpha", "gamma"});
  CHECK(ListNames(*store, R"({"dangling":["0"]})") == V{"beta"});
  CHECK(ListNames(*store, R"({"driver":{"local":true}})").size() == 3);
  CHECK(ListNames(*store, R"({"driver":{"other":true}})").empty());

  absl::StatusOr<std::vector<Volume>> bad =
      store->List(ValueOrFail(ParseFilters(R"({"colour":["x"]})")));
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ToStd(bad.status().message()) == "invalid filter 'colour'");
  bad = store->List(ValueOrFail(ParseFilters(R"({"dangling":["maybe"]})")));
  CHECK(ToStd(bad.status().message()) == "invalid filter 'dangling=maybe'");
  CHECK_FALSE(ParseFilters("{not json").ok());
}

TEST_CASE("remove: in use is 409 even with force, missing is 404 unless force", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Volume v = Make(*store, "busy");
  REQUIRE_OK(WriteFile(v.mountpoint + "/f", "x"));
  CHECK(ValueOrFail(store->Acquire("busy", "ctr2")) == v.mountpoint);
  REQUIRE_OK(store->Acquire("busy", "ctr1").status());
  REQUIRE_OK(store->Acquire("busy", "ctr1").status());  // idempotent
  CHECK(store->References("busy") == std::vector<std::string>{"ctr1", "ctr2"});

  for (bool force : {false, true}) {
    absl::Status s = store->Remove("busy", force);
    CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(ToStd(s.message()) == "remove busy: volume is in use - [ctr1, ctr2]");
  }
  REQUIRE_OK(store->Release("busy", "ctr1"));
  REQUIRE_OK(store->Release("busy", "ctr1"));  // not held: fine
  CHECK(store->Remove("busy", false).code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE_OK(store->Release("busy", "ctr2"));
  REQUIRE_OK(store->Remove("busy", false));
  CHECK_FALSE(PathExists(dir.path() + "/volumes/busy"));

  absl::Status s = store->Remove("busy", false);
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(ToStd(s.message()) == "remove busy: no such volume");
  REQUIRE_OK(store->Remove("busy", true));
  CHECK(store->Acquire("busy", "c").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("prune takes unused anonymous volumes unless all=true", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Volume anon_used = ValueOrFail(store->Create({}));
  Volume anon_free = ValueOrFail(store->Create({}));
  Make(*store, "named");
  Make(*store, "keepme", {{"keep", "1"}});
  REQUIRE_OK(store->Acquire(anon_used.name, "c1").status());
  REQUIRE_OK(WriteFile(anon_free.mountpoint + "/blob", std::string(5000, 'x')));

  PruneReport r = ValueOrFail(store->Prune({}, /*anonymous_only=*/true));
  CHECK(r.deleted == std::vector<std::string>{anon_free.name});
  CHECK(r.space_reclaimed == 5000);

  r = ValueOrFail(
      store->Prune(ValueOrFail(ParseFilters(R"({"all":["true"],"label!":["keep"]})")), true));
  CHECK(r.deleted == std::vector<std::string>{"named"});
  r = ValueOrFail(store->Prune(ValueOrFail(ParseFilters(R"({"label":["keep=1"]})")), false));
  CHECK(r.deleted == std::vector<std::string>{"keepme"});
  CHECK(ListNames(*store, "") == std::vector<std::string>{anon_used.name});

  CHECK(ToStd(store->Prune(ValueOrFail(ParseFilters(R"({"dangling":["true"]})")), true)
                  .status()
                  .message()) == "invalid filter 'dangling'");
  CHECK(ToStd(store->Prune(ValueOrFail(ParseFilters(R"({"all":["sure"]})")), true)
                  .status()
                  .message()) == "invalid filter 'all=sure'");
}

TEST_CASE("acquire and release from many threads keep an exact count", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Make(*store, "shared");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string id = "c" + std::to_string(t) + "-" + std::to_string(i % 10);
        if (!store->Acquire("shared", id).ok()) ++failures;
        if (i % 10 != 9 && !store->Release("shared", id).ok()) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(failures == 0);
  // Each thread keeps only its "-9" reference.
  CHECK(store->References("shared").size() == 8);
  CHECK(store->Remove("shared", true).code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("created-at is RFC 3339 in whole seconds", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Volume v = Make(*store, "stamp");
  CHECK(v.created_at.size() == 20);
  CHECK(v.created_at.back() == 'Z');
  CHECK(ParseRfc3339(v.created_at).ok());
}

TEST_CASE("usage reports size and references", "[volumes]") {
  berth::testing::TempDir dir;
  auto store = OpenStore(dir);
  Volume v = Make(*store, "sized");
  REQUIRE_OK(MkdirAll(v.mountpoint + "/sub"));
  REQUIRE_OK(WriteFile(v.mountpoint + "/sub/a", std::string(100, 'a')));
  REQUIRE(::link((v.mountpoint + "/sub/a").c_str(), (v.mountpoint + "/b").c_str()) == 0);
  REQUIRE(::symlink("/etc/passwd", (v.mountpoint + "/l").c_str()) == 0);
  REQUIRE_OK(store->Acquire("sized", "c1").status());
  std::vector<VolumeUsage> u = ValueOrFail(store->Usage());
  REQUIRE(u.size() == 1);
  CHECK(u[0].size == 100);
  CHECK(u[0].ref_count == 1);
}

TEST_CASE("a reopened store has every volume back", "[volumes]") {
  berth::testing::TempDir dir;
  Volume named, anon;
  {
    auto store = OpenStore(dir);
    named = Make(*store, "persist", {{"a", "b"}});
    anon = ValueOrFail(store->Create({}));
    VolumeCreateOptions o;
    o.name = "withopts";
    o.options = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}};
    REQUIRE_OK(store->Create(o).status());
    REQUIRE_OK(WriteFile(named.mountpoint + "/keep", "data"));
  }
  // A half-made volume (no metadata) is not one.
  REQUIRE_OK(MkdirAll(dir.path() + "/volumes/halfmade/_data"));
  auto store = OpenStore(dir);
  Volume got = ValueOrFail(store->Get("persist"));
  CHECK(got.created_at == named.created_at);
  CHECK(got.labels == named.labels);
  CHECK(got.mountpoint == named.mountpoint);
  CHECK(ValueOrFail(ReadFile(got.mountpoint + "/keep")) == "data");
  CHECK(ValueOrFail(store->Get(anon.name)).labels.count(kAnonymousLabel) == 1);
  CHECK(ValueOrFail(store->Get("withopts")).options.at("o") == "size=1m");
  CHECK(store->Get("halfmade").status().code() == absl::StatusCode::kNotFound);
  CHECK(ListNames(*store, "").size() == 3);
}

}  // namespace
}  // namespace berth::engined::volumes

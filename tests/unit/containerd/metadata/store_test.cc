#include "containerd/core/metadata/store.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "containerd/core/metadata/schema.h"
#include "containerd/core/metadata/sqlite.h"
#include "tests/unit/containerd/metadata/test_util.h"

namespace berth::containerd::metadata {
namespace {

using testing::ValueOrFail;

size_t CountContainers(Store& store, const std::string& ns) {
  return ValueOrFail(
             store.ViewValue([&](Transaction& tx) { return ContainerStore(tx, ns).List(); }))
      .size();
}

std::vector<std::string> Tables(sqlite::Connection& db) {
  sqlite::Statement stmt =
      ValueOrFail(db.Prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"));
  std::vector<std::string> out;
  while (ValueOrFail(stmt.Step())) out.push_back(stmt.Text(0));
  return out;
}

const std::vector<std::string> kTables = {
    "container_extensions", "container_labels", "containers",       "content_ref_labels",
    "content_refs",         "image_labels",     "images",           "lease_labels",
    "lease_resources",      "leases",           "namespace_labels", "namespaces",
    "snapshot_labels",      "snapshots",        "sqlite_sequence",  "task_bundles"};

TEST_CASE("metadata store: a new database is WAL, versioned and configured", "[metadata][store]") {
  TestStore store;
  CHECK(PathExists(store.path()));
  CHECK(store->path() == store.path());

  sqlite::Connection raw = ValueOrFail(sqlite::Connection::Open(store.path(), false));
  CHECK(ValueOrFail(raw.QueryText("PRAGMA journal_mode")) == "wal");
  CHECK(ValueOrFail(SchemaVersion(raw)) == kSchemaVersion);
  CHECK(Tables(raw) == kTables);

  // Per-connection settings, on the writer and on the readers.
  auto check_pragmas = [](Transaction& tx) -> absl::Status {
    CHECK(ValueOrFail(tx.db().QueryInt("PRAGMA synchronous")) == 2);  // FULL
    CHECK(ValueOrFail(tx.db().QueryInt("PRAGMA foreign_keys")) == 1);
    CHECK(ValueOrFail(tx.db().QueryInt("PRAGMA busy_timeout")) == 10000);
    return absl::OkStatus();
  };
  REQUIRE_OK(store->Update(check_pragmas));
  REQUIRE_OK(store->View(check_pragmas));
  REQUIRE_OK(store->View([](Transaction& tx) {
    CHECK(ValueOrFail(tx.db().QueryInt("PRAGMA query_only")) == 1);
    CHECK_FALSE(tx.writable());
    return absl::OkStatus();
  }));
}

TEST_CASE("metadata store: migration from an empty file", "[metadata][store]") {
  testing::TempDir dir("berth-metadata");
  std::string path = dir.Sub("metadata.db");
  REQUIRE_OK(WriteFile(path, ""));
  {
    sqlite::Connection raw = ValueOrFail(sqlite::Connection::Open(path, false));
    CHECK(ValueOrFail(SchemaVersion(raw)) == 0);
    CHECK(Tables(raw).empty());
  }
  std::unique_ptr<Store> store = ValueOrFail(Store::Open(path));
  REQUIRE_OK(CreateContainer(*store, "default", MakeContainer("c")).status());
  store.reset();

  sqlite::Connection raw = ValueOrFail(sqlite::Connection::Open(path, false));
  CHECK(ValueOrFail(SchemaVersion(raw)) == kSchemaVersion);
  CHECK(Tables(raw) == kTables);
}

TEST_CASE("metadata store: Migrate runs each migration once", "[metadata][store]") {
  testing::TempDir dir("berth-metadata");
  sqlite::Connection raw = ValueOrFail(sqlite::Connection::Open(dir.Sub("m.db"), true));
  CHECK(ValueOrFail(SchemaVersion(raw)) == 0);
  REQUIRE_OK(Migrate(raw));
  CHECK(ValueOrFail(SchemaVersion(raw)) == kSchemaVersion);
  REQUIRE_OK(Migrate(raw));  // a second run has nothing to do (CREATE TABLE would fail)
  CHECK(ValueOrFail(SchemaVersion(raw)) == kSchemaVersion);
  CHECK_FALSE(raw.InTransaction());
}

TEST_CASE("metadata store: a database from a newer berth is refused", "[metadata][store]") {
  TestStore store;
  store.Close();
  {
    sqlite::Connection raw = ValueOrFail(sqlite::Connection::Open(store.path(), false));
    REQUIRE_OK(raw.Exec("PRAGMA user_version = 99"));
  }
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(store.path());
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(opened.status()) ==
        fmt::format("open {}: metadata schema version 99 is newer than this berth-containerd "
                    "supports ({})",
                    store.path(), kSchemaVersion));
}

TEST_CASE("metadata store: open errors name the file", "[metadata][store]") {
  testing::TempDir dir("berth-metadata");
  SECTION("not a database") {
    std::string path = dir.Sub("garbage.db");
    REQUIRE_OK(WriteFile(path, std::string(4096, 'x')));
    absl::StatusOr<std::unique_ptr<Store>> s = Store::Open(path);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(Message(s.status()), Catch::StartsWith("open " + path + ": "));
    CHECK_THAT(Message(s.status()), Catch::Contains("file is not a database"));
  }
  SECTION("missing directory") {
    std::string path = dir.Sub("missing/metadata.db");
    absl::StatusOr<std::unique_ptr<Store>> s = Store::Open(path);
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(Message(s.status()), Catch::StartsWith("open " + path + ": sqlite3_open_v2: "));
  }
}

TEST_CASE("metadata store: sqlite errors name the call, the SQL and sqlite's message",
          "[metadata][store]") {
  TestStore store;
  absl::Status s =
      store->Update([](Transaction& tx) { return tx.db().Prepare("SELEC 1").status(); });
  CHECK(s.code() == absl::StatusCode::kInternal);
  CHECK(Message(s) == R"(sqlite3_prepare_v2 "SELEC 1": near "SELEC": syntax error)");

  // A foreign key violation: a label of a namespace that does not exist.
  s = store->Update([](Transaction& tx) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(
        sqlite::Statement stmt,
        tx.db().Prepare("INSERT INTO namespace_labels (namespace, key, value) VALUES (?, ?, ?)"));
    BERTH_RETURN_IF_ERROR(stmt.BindAll("nope", "k", "v"));
    return stmt.Run();
  });
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(
      Message(s) ==
      R"x(sqlite3_step "INSERT INTO namespace_labels (namespace, key, value) VALUES (?, ?, ?)": )x"
      "FOREIGN KEY constraint failed");
}

TEST_CASE("metadata store: everything is there after close and reopen", "[metadata][store]") {
  TestStore store;
  Namespace ns{"prod", {{"team", "a"}}};
  Container c = MakeContainer("web");
  c.labels = {{"x", "y"}};
  c.runtime.options = Any{"t", std::string("\0\1\2", 3)};
  c.extensions = {{"e", Any{"u", "v"}}};
  c.snapshotter = "overlayfs";
  c.snapshot_key = "k";
  c.sandbox = "pod";
  TaskBundle bundle{"prod", "web", "/run/b/prod/web", "unix:///s/1", 77, {}};
  Container created;
  REQUIRE_OK(store->Update([&](Transaction& tx) -> absl::Status {
    BERTH_RETURN_IF_ERROR(NamespaceStore(tx).Create(ns).status());
    BERTH_ASSIGN_OR_RETURN(created, ContainerStore(tx, "prod").Create(c));
    BERTH_ASSIGN_OR_RETURN(bundle, TaskBundleStore(tx).Put(bundle));
    return absl::OkStatus();
  }));

  store.Reopen();
  REQUIRE_OK(store->View([&](Transaction& tx) -> absl::Status {
    CHECK(ValueOrFail(NamespaceStore(tx).Get("prod")) == ns);
    CHECK(ValueOrFail(ContainerStore(tx, "prod").Get("web")) == created);
    CHECK(ValueOrFail(TaskBundleStore(tx).List()) == std::vector<TaskBundle>{bundle});
    return absl::OkStatus();
  }));
  // Timestamps keep their nanoseconds.
  CHECK(ValueOrFail(GetContainer(*store, "prod", "web")).created_at.time_since_epoch().count() ==
        created.created_at.time_since_epoch().count());
}

TEST_CASE("metadata store: a commit survives the process dying without closing",
          "[metadata][store]") {
  TestStore store;
  store.Close();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child commits, then dies without running any destructor: no
    // checkpoint, no close, just what the commit put on disk.
    absl::StatusOr<std::unique_ptr<Store>> child = Store::Open(store.path());
    if (!child.ok()) _exit(2);
    if (!CreateContainer(**child, "default", MakeContainer("survivor")).ok()) _exit(3);
    (void)child->release();
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  struct stat st {};
  REQUIRE(stat((store.path() + "-wal").c_str(), &st) == 0);
  CHECK(st.st_size > 0);  // the record is in the log, not yet in the database

  store.Reopen();
  CHECK(ValueOrFail(GetContainer(*store, "default", "survivor")).id == "survivor");
}

TEST_CASE("metadata store: a transaction that fails midway leaves nothing", "[metadata][store]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "default", MakeContainer("existing")).status());

  SECTION("the function returns an error") {
    absl::Status s = store->Update([](Transaction& tx) -> absl::Status {
      BERTH_RETURN_IF_ERROR(NamespaceStore(tx).Create({"new", {{"a", "b"}}}).status());
      BERTH_RETURN_IF_ERROR(ContainerStore(tx, "new").Create(MakeContainer("c1")).status());
      BERTH_RETURN_IF_ERROR(ContainerStore(tx, "default").Create(MakeContainer("c2")).status());
      BERTH_RETURN_IF_ERROR(NamespaceStore(tx).Update({"default", {{"k", "v"}}}, {}).status());
      return absl::AbortedError("changed my mind");
    });
    CHECK(s.code() == absl::StatusCode::kAborted);
    CHECK(Message(s) == "changed my mind");
  }
  SECTION("a store operation fails") {
    absl::Status s = store->Update([](Transaction& tx) -> absl::Status {
      BERTH_RETURN_IF_ERROR(NamespaceStore(tx).Create({"new", {{"a", "b"}}}).status());
      BERTH_RETURN_IF_ERROR(ContainerStore(tx, "new").Create(MakeContainer("c1")).status());
      BERTH_RETURN_IF_ERROR(ContainerStore(tx, "default").Create(MakeContainer("c2")).status());
      BERTH_RETURN_IF_ERROR(NamespaceStore(tx).Update({"default", {{"k", "v"}}}, {}).status());
      return ContainerStore(tx, "default").Create(MakeContainer("existing")).status();
    });
    CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  }
  SECTION("the function throws") {
    CHECK_THROWS_AS(store->Update([](Transaction& tx) -> absl::Status {
      (void)NamespaceStore(tx).Create({"new", {{"a", "b"}}});
      (void)ContainerStore(tx, "new").Create(MakeContainer("c1"));
      (void)ContainerStore(tx, "default").Create(MakeContainer("c2"));
      (void)NamespaceStore(tx).Update({"default", {{"k", "v"}}}, {});
      throw std::runtime_error("boom");
    }),
                    std::runtime_error);
  }

  REQUIRE_OK(store->View([](Transaction& tx) -> absl::Status {
    CHECK(NamespaceStore(tx).Get("new").status().code() == absl::StatusCode::kNotFound);
    CHECK(ValueOrFail(NamespaceStore(tx).Get("default")).labels.empty());
    CHECK(ValueOrFail(ContainerStore(tx, "new").List()).empty());
    std::vector<Container> remaining = ValueOrFail(ContainerStore(tx, "default").List());
    REQUIRE(remaining.size() == 1);
    CHECK(remaining[0].id == "existing");
    return absl::OkStatus();
  }));
  // Nothing half-done survives a reopen either, and the store still works.
  store.Reopen();
  CHECK(CountContainers(*store, "default") == 1);
  CHECK(CountContainers(*store, "new") == 0);
  REQUIRE_OK(CreateContainer(*store, "default", MakeContainer("after")).status());
}

TEST_CASE("metadata store: UpdateValue returns the value only when committed",
          "[metadata][store]") {
  TestStore store;
  absl::StatusOr<int> ok =
      store->UpdateValue([](Transaction&) -> absl::StatusOr<int> { return 7; });
  CHECK(ValueOrFail(ok) == 7);
  absl::StatusOr<int> failed = store->UpdateValue(
      [](Transaction&) -> absl::StatusOr<int> { return absl::NotFoundError("x"); });
  CHECK(failed.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("metadata store: transactions do not nest", "[metadata][store]") {
  TestStore store;
  absl::Status inner;
  REQUIRE_OK(store->Update([&](Transaction&) {
    inner = store->Update([](Transaction&) { return absl::OkStatus(); });
    return absl::OkStatus();
  }));
  CHECK(inner.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(inner) == "metadata update: nested transaction");
  REQUIRE_OK(store->View([&](Transaction&) {
    inner = store->View([](Transaction&) { return absl::OkStatus(); });
    return absl::OkStatus();
  }));
  CHECK(inner.code() == absl::StatusCode::kFailedPrecondition);

  // Another store is another database: nesting across stores is fine.
  TestStore other;
  REQUIRE_OK(store->Update([&](Transaction&) {
    return other->Update([](Transaction& tx) { return NamespaceStore(tx).Ensure("x"); });
  }));
}

TEST_CASE("metadata store: 8 writers x 100 creates all land", "[metadata][store]") {
  TestStore store;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::atomic<bool> writing{true};
  std::vector<absl::Status> errors[kThreads];
  std::vector<absl::Status> reader_errors;
  std::atomic<int> reads{0};

  // A reader runs all along: views never wait for, or block, the writers.
  std::thread reader([&] {
    while (writing) {
      absl::StatusOr<std::vector<Container>> list =
          store->ViewValue([](Transaction& tx) { return ContainerStore(tx, "default").List(); });
      if (!list.ok()) reader_errors.push_back(list.status());
      ++reads;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Container c = MakeContainer(fmt::format("c-{}-{}", t, i));
        c.labels = {{"thread", std::to_string(t)}};
        absl::Status s = CreateContainer(*store, "default", c).status();
        if (!s.ok()) errors[t].push_back(s);
      }
    });
  }
  for (std::thread& w : writers) w.join();
  writing = false;
  reader.join();

  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t);
    CHECK(errors[t].empty());
    for (const absl::Status& s : errors[t]) FAIL_CHECK(Message(s));
  }
  CHECK(reader_errors.empty());
  CHECK(reads > 0);
  CHECK(CountContainers(*store, "default") == kThreads * kPerThread);
  std::vector<Container> three = ValueOrFail(store->ViewValue(
      [](Transaction& tx) { return ContainerStore(tx, "default").List({"labels.thread==3"}); }));
  CHECK(three.size() == kPerThread);
}

TEST_CASE("metadata store: two stores on one file wait for each other, not fail",
          "[metadata][store]") {
  // As two processes would: separate connections, so SQLite's own locking
  // and the busy timeout decide, not the in-process mutex.
  TestStore store;
  std::unique_ptr<Store> second = ValueOrFail(Store::Open(store.path()));
  constexpr int kPerThread = 50;
  std::vector<absl::Status> errors;
  std::mutex errors_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Store* target = t % 2 == 0 ? &*store : second.get();
    threads.emplace_back([&, target, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status s = target->Update([&](Transaction& tx) -> absl::Status {
          ContainerStore containers(tx, "default");
          // Read, then write: the IMMEDIATE transaction makes this safe.
          BERTH_ASSIGN_OR_RETURN(std::vector<Container> list, containers.List());
          Container c = MakeContainer(fmt::format("c-{}-{}", t, i));
          c.labels = {{"seen", std::to_string(list.size())}};
          return containers.Create(c).status();
        });
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(errors_mu);
          errors.push_back(s);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : errors) FAIL_CHECK(Message(s));
  CHECK(CountContainers(*store, "default") == 4 * kPerThread);
  CHECK(CountContainers(*second, "default") == 4 * kPerThread);

  // Each transaction saw every earlier one: the "seen" counts are exactly
  // 0..N-1, each once.
  std::vector<Container> all = ValueOrFail(
      store->ViewValue([](Transaction& tx) { return ContainerStore(tx, "default").List(); }));
  std::vector<int> seen;
  for (const Container& c : all) seen.push_back(std::stoi(c.labels.at("seen")));
  std::sort(seen.begin(), seen.end());
  for (int i = 0; i < static_cast<int>(seen.size()); ++i) CHECK(seen[i] == i);
}

TEST_CASE("metadata store: a view reads one snapshot while a writer commits", "[metadata][store]") {
  TestStore store;
  REQUIRE_OK(CreateContainer(*store, "default", MakeContainer("first")).status());
  absl::Status viewed = store->View([&](Transaction& tx) -> absl::Status {
    ContainerStore containers(tx, "default");
    CHECK(ValueOrFail(containers.List()).size() == 1);
    // The writer is not blocked by this open view...
    std::future<absl::Status> writer = std::async(std::launch::async, [&] {
      return CreateContainer(*store, "default", MakeContainer("second")).status();
    });
    REQUIRE(writer.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    REQUIRE_OK(writer.get());
    // ...and the view does not see what it committed.
    CHECK(ValueOrFail(containers.List()).size() == 1);
    return absl::OkStatus();
  });
  REQUIRE_OK(viewed);
  CHECK(CountContainers(*store, "default") == 2);
}

}  // namespace
}  // namespace berth::containerd::metadata

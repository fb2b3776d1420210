// berth-containerd's metadata store: one SQLite database (ROOT/metadata.db)
// holding namespaces, containers and the daemon's task bundle records, with
// transactions in the style of containerd's bbolt (core/metadata/db.go):
//
//   absl::Status s = store->Update([&](Transaction& tx) -> absl::Status {
//     ContainerStore containers(tx, ns);
//     BERTH_ASSIGN_OR_RETURN(Container c, containers.Get(id));   // read,
//     c.labels["x"] = "y";                                         // modify,
//     return containers.Update(c, {"labels.x"}).status();          // write
//   });
//
// A function that returns an error rolls back everything it did; one that
// returns OK is committed, durably (WAL + synchronous=FULL: the commit is on
// disk before Update returns).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/metadata/sqlite.h"

namespace berth::containerd::metadata {

// Record times: system clock, nanosecond precision, stored as nanoseconds
// since the Unix epoch.
using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;
Timestamp Now();
int64_t ToUnixNanos(Timestamp t);
Timestamp FromUnixNanos(int64_t nanos);

// The database's file name under the daemon's --root.
inline constexpr std::string_view kDatabaseFile = "metadata.db";

class Store;

// The handle a transaction function gets. Valid only inside that function.
// The record stores (NamespaceStore, ContainerStore, TaskBundleStore) are
// built over it.
class Transaction {
 public:
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  bool writable() const { return writable_; }
  // FailedPrecondition naming `operation` unless this is an Update.
  absl::Status RequireWritable(std::string_view operation) const;

  // For the record stores of this library.
  sqlite::Connection& db() { return *db_; }
  Store& store() { return *store_; }

 private:
  friend class Store;
  Transaction(Store* store, sqlite::Connection* db, bool writable)
      : store_(store), db_(db), writable_(writable) {}

  Store* store_;
  sqlite::Connection* db_;
  bool writable_;
};

// Reports what still lives in namespace `ns`, one phrase per kind ("containers",
// `snapshots on "overlayfs" snapshotter`); nothing when the namespace is empty
// of that kind. NamespaceStore::Delete refuses while any check reports.
using NamespaceUsageCheck =
    std::function<absl::StatusOr<std::vector<std::string>>(Transaction& tx, std::string_view ns)>;

class Store {
 public:
  struct Options {
    // How long a transaction waits for another process holding the database
    // before failing with Unavailable.
    std::chrono::milliseconds busy_timeout{10'000};
    // Read connections kept open between View calls.
    size_t max_idle_readers = 4;
  };

  // Opens or creates the database at `path` (its directory must exist) and
  // migrates it to kSchemaVersion. A database from a newer Berth is refused
  // with FailedPrecondition.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     const Options& options);
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);

  // Every View must have returned before the Store is destroyed.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs `fn` in a write transaction (BEGIN IMMEDIATE): committed when it
  // returns OK, rolled back when it returns an error (which Update returns).
  // Writers run one at a time. Transactions do not nest: calling Update or
  // View from inside `fn` fails with FailedPrecondition.
  absl::Status Update(const std::function<absl::Status(Transaction&)>& fn);
  // Runs `fn` in a read-only transaction on a consistent snapshot. Views run
  // concurrently with each other and with a writer.
  absl::Status View(const std::function<absl::Status(Transaction&)>& fn);

  // Update and View for a function that returns absl::StatusOr<T>:
  //   absl::StatusOr<Container> c = store->UpdateValue(
  //       [&](Transaction& tx) { return ContainerStore(tx, ns).Create(req); });
  // The value comes back only if the transaction committed.
  template <typename Fn>
  std::invoke_result_t<Fn&, Transaction&> UpdateValue(Fn&& fn) {
    return RunValue(fn, /*writable=*/true);
  }
  template <typename Fn>
  std::invoke_result_t<Fn&, Transaction&> ViewValue(Fn&& fn) {
    return RunValue(fn, /*writable=*/false);
  }

  // Adds a kind of object that keeps a namespace from being deleted (images,
  // snapshots). "containers", "leases" and "blobs" are built in. Call before
  // the store is shared between threads.
  void AddNamespaceUsageCheck(NamespaceUsageCheck check);
  const std::vector<NamespaceUsageCheck>& namespace_usage_checks() const { return usage_checks_; }

  const std::string& path() const { return path_; }

 private:
  Store(std::string path, Options options, sqlite::Connection writer);

  template <typename Fn>
  std::invoke_result_t<Fn&, Transaction&> RunValue(Fn& fn, bool writable) {
    std::optional<std::invoke_result_t<Fn&, Transaction&>> result;
    auto run = [&](Transaction& tx) {
      result.emplace(fn(tx));
      return result->status();
    };
    absl::Status status = writable ? Update(run) : View(run);
    if (!status.ok()) return status;
    return *std::move(result);
  }

  absl::StatusOr<sqlite::Connection> AcquireReader();
  void ReleaseReader(sqlite::Connection conn);
  absl::Status Run(sqlite::Connection& conn, bool writable,
                   const std::function<absl::Status(Transaction&)>& fn);

  const std::string path_;
  const Options options_;
  std::vector<NamespaceUsageCheck> usage_checks_;

  // Concurrency: one write connection behind write_mu_, plus a pool of
  // read-only connections. Serializing writers in-process means they never
  // meet SQLITE_BUSY from each other (SQLite allows one writer at a time
  // anyway, and a busy-wait loop would only add latency), while WAL lets
  // every View read its own snapshot without waiting for a writer's fsync —
  // bbolt's one-writer, many-readers model. A connection per gRPC thread
  // would instead turn writer contention into busy-timeout polling.
  std::mutex write_mu_;
  sqlite::Connection writer_;

  std::mutex readers_mu_;
  std::vector<sqlite::Connection> idle_readers_;
};

}  // namespace berth::containerd::metadata

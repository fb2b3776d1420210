#include "containerd/core/metadata/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "containerd/core/metadata/containers.h"
#include "containerd/core/metadata/content_refs.h"
#include "containerd/core/metadata/leases.h"
#include "containerd/core/metadata/schema.h"

namespace berth::containerd::metadata {
namespace {

// The Store whose transaction function is running on this thread, to refuse
// nesting: a nested Update would deadlock on write_mu_, a nested View would
// not see the enclosing transaction's writes.
thread_local const Store* active_store = nullptr;

// Settings that live in the connection, not the file: every connection gets
// them.
absl::Status ConfigureConnection(sqlite::Connection& conn, const Store::Options& options) {
  BERTH_RETURN_IF_ERROR(conn.SetBusyTimeout(static_cast<int>(options.busy_timeout.count())));
  BERTH_RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys = ON"));
  BERTH_ASSIGN_OR_RETURN(int64_t fk, conn.QueryInt("PRAGMA foreign_keys"));
  if (fk != 1) return FailedPreconditionf("sqlite is built without foreign key support");
  // FULL: a commit fsyncs the WAL before it returns, so a committed
  // container record survives power loss, not only a crash of the daemon.
  return conn.Exec("PRAGMA synchronous = FULL");
}

// fsync the directory so the database file's name is durable too (SQLite
// syncs the directory for the files it creates later, the WAL included).
absl::Status SyncParentDirectory(const std::string& path) {
  std::string dir = ".";
  if (size_t slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return ErrnoErrorf(errno, "open {}", dir);
  if (fsync(fd.get()) != 0) return ErrnoErrorf(errno, "fsync {}", dir);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ContainersUsage(Transaction& tx, std::string_view ns) {
  BERTH_ASSIGN_OR_RETURN(bool any, ContainerStore::AnyInNamespace(tx, ns));
  if (!any) return std::vector<std::string>{};
  return std::vector<std::string>{"containers"};
}

}  // namespace

Timestamp Now() {
  return std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
}

int64_t ToUnixNanos(Timestamp t) { return t.time_since_epoch().count(); }

Timestamp FromUnixNanos(int64_t nanos) { return Timestamp(std::chrono::nanoseconds(nanos)); }

absl::Status Transaction::RequireWritable(std::string_view operation) const {
  if (writable_) return absl::OkStatus();
  return FailedPreconditionf("{}: not allowed in a read-only transaction", operation);
}

Store::Store(std::string path, Options options, sqlite::Connection writer)
    : path_(std::move(path)), options_(options), writer_(std::move(writer)) {
  usage_checks_.push_back(ContainersUsage);
  usage_checks_.push_back(LeaseStore::UsageCheck());
  usage_checks_.push_back(ContentRefs::UsageCheck());
}

Store::~Store() {
  // Readers first: the last connection to close checkpoints the WAL into the
  // database and removes it.
  idle_readers_.clear();
  writer_ = sqlite::Connection();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  return Open(path, Options());
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                   const Options& options) {
  auto fail = [&](const absl::Status& s) { return WithContext(s, fmt::format("open {}", path)); };
  BERTH_ASSIGN_OR_RETURN(sqlite::Connection writer, sqlite::Connection::Open(path, true));
  if (absl::Status s = ConfigureConnection(writer, options); !s.ok()) return fail(s);
  // WAL is a property of the file: readers and the one writer proceed
  // concurrently, and a commit appends to the log instead of rewriting pages.
  absl::StatusOr<std::string> mode = writer.QueryText("PRAGMA journal_mode = WAL");
  if (!mode.ok()) return fail(mode.status());
  if (*mode != "wal") return fail(FailedPreconditionf("journal_mode is {:?}, not \"wal\"", *mode));
  if (absl::Status s = Migrate(writer); !s.ok()) return fail(s);
  if (absl::Status s = SyncParentDirectory(path); !s.ok()) return fail(s);
  return std::unique_ptr<Store>(new Store(path, options, std::move(writer)));
}

void Store::AddNamespaceUsageCheck(NamespaceUsageCheck check) {
  usage_checks_.push_back(std::move(check));
}

absl::StatusOr<sqlite::Connection> Store::AcquireReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      sqlite::Connection conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return conn;
    }
  }
  BERTH_ASSIGN_OR_RETURN(sqlite::Connection conn, sqlite::Connection::Open(path_, false));
  BERTH_RETURN_IF_ERROR(ConfigureConnection(conn, options_));
  // A View that tries to write fails in SQLite too, not only in the stores.
  BERTH_RETURN_IF_ERROR(conn.Exec("PRAGMA query_only = ON"));
  return conn;
}

void Store::ReleaseReader(sqlite::Connection conn) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  if (idle_readers_.size() < options_.max_idle_readers) idle_readers_.push_back(std::move(conn));
}

absl::Status Store::Run(sqlite::Connection& conn, bool writable,
                        const std::function<absl::Status(Transaction&)>& fn) {
  // IMMEDIATE takes the write lock up front: a deferred transaction that
  // reads, then writes, could fail with SQLITE_BUSY at the write if another
  // process wrote in between; this way the wait happens at BEGIN, under the
  // busy timeout.
  // A transaction left open by a failed ROLLBACK would make BEGIN fail
  // forever; end it first.
  if (conn.InTransaction()) BERTH_RETURN_IF_ERROR(conn.Exec("ROLLBACK"));
  BERTH_RETURN_IF_ERROR(conn.Exec(writable ? "BEGIN IMMEDIATE" : "BEGIN"));
  bool finished = false;
  // Also rolls back when `fn` throws.
  absl::Cleanup rollback = [&] {
    if (!finished) (void)conn.Exec("ROLLBACK");
  };
  const Store* outer = active_store;
  active_store = this;
  absl::Cleanup restore = [&] { active_store = outer; };

  Transaction tx(this, &conn, writable);
  absl::Status status = fn(tx);
  if (!status.ok()) return status;
  BERTH_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  finished = true;
  return absl::OkStatus();
}

absl::Status Store::Update(const std::function<absl::Status(Transaction&)>& fn) {
  if (active_store == this) return FailedPreconditionf("metadata update: nested transaction");
  std::lock_guard<std::mutex> lock(write_mu_);
  return Run(writer_, /*writable=*/true, fn);
}

absl::Status Store::View(const std::function<absl::Status(Transaction&)>& fn) {
  if (active_store == this) return FailedPreconditionf("metadata view: nested transaction");
  BERTH_ASSIGN_OR_RETURN(sqlite::Connection conn, AcquireReader());
  absl::Status status = Run(conn, /*writable=*/false, fn);
  // A connection whose transaction could not be ended is not reused.
  if (!conn.InTransaction()) ReleaseReader(std::move(conn));
  return status;
}

}  // namespace berth::containerd::metadata

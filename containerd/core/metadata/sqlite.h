// Small RAII wrappers over SQLite's C API: a connection and a prepared
// statement, both move-only, every failure an absl::Status that names the SQL
// call and carries sqlite3_errmsg:
//   sqlite3_step "INSERT INTO containers ...": FOREIGN KEY constraint failed
//
// A Connection is not thread-safe (it is opened SQLITE_OPEN_NOMUTEX); the Store
// makes sure each one is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace berth::containerd::metadata::sqlite {

// Bytes bound as a BLOB rather than TEXT.
struct Blob {
  std::string_view data;
};

class Statement;

class Connection {
 public:
  // Opens (or with `create`, creates) the database at `path`: extended result
  // codes on, no internal mutex.
  static absl::StatusOr<Connection> Open(const std::string& path, bool create);

  Connection() = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  sqlite3* get() const { return db_.get(); }
  bool valid() const { return db_ != nullptr; }

  // Runs one or more statements that return no rows (DDL, PRAGMA x = y,
  // BEGIN/COMMIT).
  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql);

  // Runs a single-row, single-column query ("PRAGMA user_version").
  absl::StatusOr<int64_t> QueryInt(std::string_view sql);
  absl::StatusOr<std::string> QueryText(std::string_view sql);

  absl::Status SetBusyTimeout(int milliseconds);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // True between BEGIN and COMMIT/ROLLBACK.
  bool InTransaction() const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  explicit Connection(sqlite3* db) : db_(db) {}

  std::unique_ptr<sqlite3, Closer> db_;
};

class Statement {
 public:
  Statement() = default;
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Binds parameter `index` (1-based).
  absl::Status Bind(int index, std::string_view text);
  absl::Status Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  absl::Status Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  absl::Status Bind(int index, Blob blob);
  absl::Status Bind(int index, int64_t value);
  absl::Status Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  absl::Status Bind(int index, std::nullopt_t);
  template <typename T>
  absl::Status Bind(int index, const std::optional<T>& value) {
    if (!value) return Bind(index, std::nullopt);
    return Bind(index, *value);
  }

  // Binds every argument in order, starting at parameter 1.
  template <typename... Args>
  absl::Status BindAll(const Args&... args) {
    int index = 0;
    absl::Status status;
    auto bind_one = [&](const auto& arg) {
      if (status.ok()) status = Bind(++index, arg);
    };
    (bind_one(args), ...);
    return status;
  }

  // Advances: true when a row is ready, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps to completion; a statement that yields a row is an error.
  absl::Status Run();
  // Makes the statement runnable again with its bindings cleared.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Bytes(int column) const;

  std::string_view sql() const;

 private:
  friend class Connection;
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  absl::Status BindResult(int rc, int index);

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// The status for result code `rc` of `call` (e.g. "sqlite3_step") on `sql`,
// with the connection's sqlite3_errmsg. BUSY and LOCKED map to Unavailable,
// CORRUPT and NOTADB to DataLoss, FULL to ResourceExhausted, CONSTRAINT to
// FailedPrecondition, the rest to Internal.
absl::Status Error(sqlite3* db, int rc, std::string_view call, std::string_view sql);

}  // namespace berth::containerd::metadata::sqlite

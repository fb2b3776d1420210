#include "containerd/core/metadata/sqlite.h"

#include <sqlite3.h>

#include <cctype>
#include <utility>

#include "common/status.h"

namespace berth::containerd::metadata::sqlite {
namespace {

// The statement as it appears in an error: whitespace runs collapsed, cut
// after kMax characters.
std::string ShortSql(std::string_view sql) {
  constexpr size_t kMax = 80;
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= kMax) {
      out += "...";
      break;
    }
  }
  return out;
}

absl::StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_FULL:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_CONSTRAINT:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status Error(sqlite3* db, int rc, std::string_view call, std::string_view sql) {
  // sqlite3_errmsg describes the most recent failure on the connection; with
  // no connection (open failed to allocate) fall back to the code's text.
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (sql.empty()) return Errorf(CodeFor(rc), "{}: {}", call, message);
  return Errorf(CodeFor(rc), "{} {:?}: {}", call, ShortSql(sql), message);
}

void Connection::Closer::operator()(sqlite3* db) const {
  // close_v2 defers the close until every statement is finalized, so a
  // statement that outlives its connection object cannot use freed memory.
  sqlite3_close_v2(db);
}

absl::StatusOr<Connection> Connection::Open(const std::string& path, bool create) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Connection conn(raw);  // sqlite3_open_v2 may return a handle even on failure
  if (rc != SQLITE_OK) {
    return WithContext(Error(raw, rc, "sqlite3_open_v2", ""), fmt::format("open {}", path));
  }
  sqlite3_extended_result_codes(raw, 1);
  return conn;
}

absl::Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(db_.get(), rc, "sqlite3_exec", sql);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error(db_.get(), rc, "sqlite3_prepare_v2", sql);
  }
  if (stmt == nullptr) return Internalf("sqlite3_prepare_v2 {:?}: no statement", ShortSql(sql));
  return Statement(stmt);
}

absl::StatusOr<int64_t> Connection::QueryInt(std::string_view sql) {
  BERTH_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internalf("{:?}: no row", ShortSql(sql));
  return stmt.Int(0);
}

absl::StatusOr<std::string> Connection::QueryText(std::string_view sql) {
  BERTH_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internalf("{:?}: no row", ShortSql(sql));
  return stmt.Text(0);
}

absl::Status Connection::SetBusyTimeout(int milliseconds) {
  int rc = sqlite3_busy_timeout(db_.get(), milliseconds);
  if (rc != SQLITE_OK) return Error(db_.get(), rc, "sqlite3_busy_timeout", "");
  return absl::OkStatus();
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_.get()); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

std::string_view Statement::sql() const {
  const char* text = sqlite3_sql(stmt_.get());
  return text != nullptr ? std::string_view(text) : std::string_view();
}

absl::Status Statement::BindResult(int rc, int index) {
  if (rc == SQLITE_OK) return absl::OkStatus();
  return WithContext(Error(sqlite3_db_handle(stmt_.get()), rc, "sqlite3_bind", sql()),
                     fmt::format("parameter {}", index));
}

// SQLITE_TRANSIENT: SQLite copies the bytes, so a binding never points into a
// caller's temporary.
// A null data pointer would bind NULL, so empty values point at "".
absl::Status Statement::Bind(int index, std::string_view text) {
  const char* data = text.empty() ? "" : text.data();
  return BindResult(
      sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
}

absl::Status Statement::Bind(int index, Blob blob) {
  const char* data = blob.data.empty() ? "" : blob.data.data();
  return BindResult(
      sqlite3_bind_blob64(stmt_.get(), index, data, blob.data.size(), SQLITE_TRANSIENT), index);
}

absl::Status Statement::Bind(int index, int64_t value) {
  return BindResult(sqlite3_bind_int64(stmt_.get(), index, value), index);
}

absl::Status Statement::Bind(int index, std::nullopt_t) {
  return BindResult(sqlite3_bind_null(stmt_.get(), index), index);
}

absl::StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(sqlite3_db_handle(stmt_.get()), rc, "sqlite3_step", sql());
}

absl::Status Statement::Run() {
  BERTH_ASSIGN_OR_RETURN(bool row, Step());
  if (row) return Internalf("sqlite3_step {:?}: unexpected row", ShortSql(sql()));
  return absl::OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

std::string Statement::Text(int column) const {
  // Fetch the pointer first: column_bytes after column_text reports the size
  // of the converted value.
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::Bytes(int column) const {
  const void* data = sqlite3_column_blob(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace berth::containerd::metadata::sqlite

// Label rows, as every record kind keeps them: a table of its own
// (namespace_labels, container_labels, ...) whose rows are the owner's key
// columns, then key and value. The SQL names the table and the columns;
// these run it.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/status.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/sqlite.h"

namespace berth::containerd::metadata {

// The labels `select_sql` yields as (key, value) rows, `params` bound.
template <typename... Params>
absl::StatusOr<Labels> ReadLabelRows(sqlite::Connection& db, std::string_view select_sql,
                                     const Params&... params) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt, db.Prepare(select_sql));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(params...));
  Labels labels;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return labels;
    labels.emplace(stmt.Text(0), stmt.Text(1));
  }
}

// Every owner's labels: `select_sql` yields (owner, key, value) rows.
template <typename... Params>
absl::StatusOr<std::map<std::string, Labels>> ReadLabelRowsByOwner(sqlite::Connection& db,
                                                                   std::string_view select_sql,
                                                                   const Params&... params) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement stmt, db.Prepare(select_sql));
  BERTH_RETURN_IF_ERROR(stmt.BindAll(params...));
  std::map<std::string, Labels> by_owner;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return by_owner;
    by_owner[stmt.Text(0)].emplace(stmt.Text(1), stmt.Text(2));
  }
}

// Inserts one row per label with `insert_sql`, binding `owner` then key and
// value.
template <typename... Owner>
absl::Status InsertLabelRows(sqlite::Connection& db, std::string_view insert_sql,
                             const Labels& labels, const Owner&... owner) {
  BERTH_ASSIGN_OR_RETURN(sqlite::Statement insert, db.Prepare(insert_sql));
  for (const auto& [key, value] : labels) {
    insert.Reset();
    BERTH_RETURN_IF_ERROR(insert.BindAll(owner..., key, value));
    BERTH_RETURN_IF_ERROR(insert.Run());
  }
  return absl::OkStatus();
}

}  // namespace berth::containerd::metadata

// The metadata database's schema, versioned by PRAGMA user_version: version N
// is reached by running migrations 1..N in order, each exactly once.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "containerd/core/metadata/sqlite.h"

namespace berth::containerd::metadata {

// The version this build reads and writes.
inline constexpr int64_t kSchemaVersion = 4;

// The database's PRAGMA user_version (0 for a new, empty file).
absl::StatusOr<int64_t> SchemaVersion(sqlite::Connection& db);

// Brings `db` to kSchemaVersion in one IMMEDIATE transaction, so a crash or a
// second process opening the same file sees the old schema or the new one,
// never half. A version newer than kSchemaVersion is FailedPrecondition: an
// older berth-containerd must not write a database it does not understand.
absl::Status Migrate(sqlite::Connection& db);

}  // namespace berth::containerd::metadata

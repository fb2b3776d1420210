#include "containerd/core/metadata/schema.h"

#include <iterator>
#include <string_view>

#include "absl/cleanup/cleanup.h"
#include "common/status.h"

namespace berth::containerd::metadata {
namespace {

// kMigrations[i] takes the schema from version i to i + 1. Append only: a
// released migration never changes, later ones ALTER what it made.
//
// Tables are STRICT (a value of the wrong type is an error, not a silent
// conversion). Text columns use the BINARY collation, so listings come back
// in byte order, as bbolt's keys do. Times are nanoseconds since the epoch.
// Every object kind that lives in a namespace references namespaces(name)
// ON DELETE RESTRICT, a backstop behind NamespaceStore::Delete's check.
constexpr std::string_view kMigrations[] = {
    // 1: namespaces, containers, task bundles.
    R"sql(
CREATE TABLE namespaces (
  name TEXT NOT NULL PRIMARY KEY
) STRICT;

CREATE TABLE namespace_labels (
  namespace TEXT NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (namespace, key)
) STRICT;

CREATE TABLE containers (
  namespace TEXT NOT NULL REFERENCES namespaces (name) ON DELETE RESTRICT,
  id TEXT NOT NULL,
  image TEXT NOT NULL,
  runtime_name TEXT NOT NULL,
  runtime_options_type_url TEXT,  -- NULL: no options
  runtime_options_value BLOB,
  spec BLOB NOT NULL,
  snapshotter TEXT NOT NULL,
  snapshot_key TEXT NOT NULL,
  sandbox TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, id)
) STRICT;

CREATE TABLE container_labels (
  namespace TEXT NOT NULL,
  container_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (namespace, container_id, key),
  FOREIGN KEY (namespace, container_id) REFERENCES containers (namespace, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE container_extensions (
  namespace TEXT NOT NULL,
  container_id TEXT NOT NULL,
  name TEXT NOT NULL,
  type_url TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (namespace, container_id, name),
  FOREIGN KEY (namespace, container_id) REFERENCES containers (namespace, id) ON DELETE CASCADE
) STRICT;

-- The daemon's own record of each task's bundle and shim, read on restart to
-- reconnect. A container with a task cannot be deleted (RESTRICT).
CREATE TABLE task_bundles (
  namespace TEXT NOT NULL,
  container_id TEXT NOT NULL,
  bundle_path TEXT NOT NULL,
  shim_address TEXT NOT NULL,
  shim_pid INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, container_id),
  FOREIGN KEY (namespace, container_id) REFERENCES containers (namespace, id) ON DELETE RESTRICT
) STRICT;
)sql",
    // 2: snapshots (containerd core/metadata/snapshot.go). One table for every
    // snapshotter; `id` names the snapshot's directory under its snapshotter's
    // root and is never reused (AUTOINCREMENT), so a directory left behind by
    // a crash can never be mistaken for a new snapshot's. A parent is a key
    // of the same snapshotter and namespace and cannot be deleted while it
    // has children.
    R"sql(
CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  snapshotter TEXT NOT NULL,
  namespace TEXT NOT NULL REFERENCES namespaces (name) ON DELETE RESTRICT,
  key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('view', 'active', 'committed')),
  parent TEXT,  -- NULL: no parent
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (snapshotter, namespace, key),
  FOREIGN KEY (snapshotter, namespace, parent)
    REFERENCES snapshots (snapshotter, namespace, key) ON DELETE RESTRICT
) STRICT;

CREATE INDEX snapshots_by_parent ON snapshots (snapshotter, namespace, parent);

CREATE TABLE snapshot_labels (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, key)
) STRICT;
)sql",
    // 3: images (containerd core/metadata/images.go): a name bound to the
    // descriptor of its root manifest or index. The content it points to
    // lives in the content store; nothing here references it.
    R"sql(
CREATE TABLE images (
  namespace TEXT NOT NULL REFERENCES namespaces (name) ON DELETE RESTRICT,
  name TEXT NOT NULL,
  target_media_type TEXT NOT NULL,
  target_digest TEXT NOT NULL,
  target_size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, name)
) STRICT;

CREATE TABLE image_labels (
  namespace TEXT NOT NULL,
  image_name TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (namespace, image_name, key),
  FOREIGN KEY (namespace, image_name) REFERENCES images (namespace, name) ON DELETE CASCADE
) STRICT;
)sql",
    // 4: leases and content references (containerd core/metadata/leases.go
    // and content.go). A lease keeps the resources it names from garbage
    // collection until it is deleted or expires. A content reference records
    // that a namespace uses a blob of the shared content store, with the
    // labels containerd keeps on content (containerd.io/gc.ref.*); a blob goes
    // from disk only when no namespace references it.
    R"sql(
CREATE TABLE leases (
  namespace TEXT NOT NULL REFERENCES namespaces (name) ON DELETE RESTRICT,
  id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,  -- NULL: never
  PRIMARY KEY (namespace, id)
) STRICT;

CREATE TABLE lease_labels (
  namespace TEXT NOT NULL,
  lease_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (namespace, lease_id, key),
  FOREIGN KEY (namespace, lease_id) REFERENCES leases (namespace, id) ON DELETE CASCADE
) STRICT;

-- kind 'content': name is a digest; 'snapshot': name is a key of
-- `snapshotter`; 'ingest': name is an ingest ref; 'image': an image name.
-- snapshotter is '' for every kind but 'snapshot'.
CREATE TABLE lease_resources (
  namespace TEXT NOT NULL,
  lease_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('content', 'snapshot', 'ingest', 'image')),
  snapshotter TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (namespace, lease_id, kind, snapshotter, name),
  FOREIGN KEY (namespace, lease_id) REFERENCES leases (namespace, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE content_refs (
  namespace TEXT NOT NULL REFERENCES namespaces (name) ON DELETE RESTRICT,
  digest TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, digest)
) STRICT;

CREATE INDEX content_refs_by_digest ON content_refs (digest);

CREATE TABLE content_ref_labels (
  namespace TEXT NOT NULL,
  digest TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (namespace, digest, key),
  FOREIGN KEY (namespace, digest) REFERENCES content_refs (namespace, digest) ON DELETE CASCADE
) STRICT;
)sql",
};

static_assert(std::size(kMigrations) == kSchemaVersion,
              "kSchemaVersion must equal the number of migrations");

}  // namespace

absl::StatusOr<int64_t> SchemaVersion(sqlite::Connection& db) {
  return db.QueryInt("PRAGMA user_version");
}

absl::Status Migrate(sqlite::Connection& db) {
  // IMMEDIATE takes the write lock before reading the version, so two
  // processes opening a new file cannot both run migration 1.
  BERTH_RETURN_IF_ERROR(WithContext(db.Exec("BEGIN IMMEDIATE"), "migrate metadata schema"));
  bool done = false;
  absl::Cleanup rollback = [&] {
    if (!done) (void)db.Exec("ROLLBACK");
  };
  BERTH_ASSIGN_OR_RETURN(int64_t version, SchemaVersion(db));
  if (version > kSchemaVersion) {
    return FailedPreconditionf(
        "metadata schema version {} is newer than this berth-containerd supports ({})", version,
        kSchemaVersion);
  }
  if (version < 0) return FailedPreconditionf("metadata schema version {} is invalid", version);
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    BERTH_RETURN_IF_ERROR(WithContext(db.Exec(kMigrations[v]),
                                      fmt::format("migrate metadata schema to version {}", v + 1)));
  }
  if (version != kSchemaVersion) {
    // PRAGMA takes no parameters; the value is our own integer.
    BERTH_RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion)));
  }
  BERTH_RETURN_IF_ERROR(WithContext(db.Exec("COMMIT"), "migrate metadata schema"));
  done = true;
  return absl::OkStatus();
}

}  // namespace berth::containerd::metadata

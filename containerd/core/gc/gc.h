// Garbage collection of content and snapshots (containerd core/metadata/gc.go
// over pkg/gc's tricolor mark): everything reachable from a root is kept,
// the rest is removed.
//
// Roots, per namespace:
//   images               their target descriptor's blob
//   containers           their snapshot (snapshotter, key)
//   leases               every resource of a lease that has not expired
//   containerd.io/gc.root  any content reference or snapshot labelled so
// and, across namespaces, the expected digest of every ingest in progress.
//
// Edges:
//   a blob reached as an index or manifest -> the descriptors it lists (the
//     documents are parsed, so a pulled image keeps its config and layers
//     without labels); a config -> the committed snapshots named by the chain
//     IDs of its diff_ids (the unpacked layers), in every snapshotter
//   labels on content references, snapshots, images and containers:
//     containerd.io/gc.ref.content[.*]=<digest>          -> that blob
//     containerd.io/gc.ref.snapshot.<snapshotter>[/*]=<key> -> that snapshot
//   a snapshot -> its parent
//
// Sweep: content references nothing reached are deleted per namespace; a
// blob on disk goes when no namespace reached it; snapshot records go
// children first, then their directories; expired leases are deleted;
// ingests not written to for Options::ingest_expiry are aborted unless a
// live lease holds them.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/content/store.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/snapshotter_set.h"

namespace berth::containerd::gc {

inline constexpr std::string_view kRootLabel = "containerd.io/gc.root";
// Any label whose key starts with this names a blob ("....content.config",
// "....content.l.0").
inline constexpr std::string_view kContentRefLabelPrefix = "containerd.io/gc.ref.content";
// Followed by the snapshotter's name, optionally "/<anything>".
inline constexpr std::string_view kSnapshotRefLabelPrefix = "containerd.io/gc.ref.snapshot.";

struct ContentId {
  std::string ns;
  std::string digest;  // "sha256:<hex>"

  auto operator<=>(const ContentId&) const = default;
};

struct SnapshotId {
  std::string ns;
  std::string snapshotter;
  std::string key;

  auto operator<=>(const SnapshotId&) const = default;
};

struct LeaseId {
  std::string ns;
  std::string id;

  auto operator<=>(const LeaseId&) const = default;
};

// What the roots reach.
struct Marked {
  std::set<ContentId> content;     // blobs reached, per namespace
  std::set<SnapshotId> snapshots;  // snapshot records reached
  // Digests no blob sweep may remove: reached in some namespace, or the
  // expected digest of an ingest.
  std::set<std::string> blobs;
  std::set<std::string> leased_ingests;  // ingest refs held by live leases
  std::set<LeaseId> expired_leases;
};

// Marks within `tx` (read or write): a consistent view of every namespace.
// Blobs that are missing or do not parse are reached but lead nowhere (a
// partial pull, another platform's manifest).
absl::StatusOr<Marked> Mark(metadata::Transaction& tx, const content::Store& content,
                            metadata::Timestamp now);

struct Options {
  // The time leases expire against; nullopt: now.
  std::optional<metadata::Timestamp> now;
  // Report what would be removed, remove nothing.
  bool dry_run = false;
  // Ingests last written longer ago than this are removed (containerd's
  // content store does it for ingests older than a day); nullopt: never.
  std::optional<std::chrono::nanoseconds> ingest_expiry;
};

struct Report {
  std::vector<content::Digest> removed_blobs;   // from disk
  std::vector<ContentId> removed_content_refs;  // references dropped
  std::vector<SnapshotId> removed_snapshots;    // children before parents
  std::vector<LeaseId> removed_leases;          // expired
  std::vector<std::string> removed_ingests;     // stale ingest refs
  int64_t bytes = 0;                            // blob sizes plus snapshot directories' disk usage
};

// One collection. Mark and the removal of records and blobs run in one write
// transaction of `store`, so no reference can be added between the decision
// and the removal (a reader keeps reading meanwhile); a blob committed after
// the collection started is never removed. Snapshot directories go after the
// commit, through their snapshotter's Cleanup, when no record names them any
// more. Snapshots of snapshotters that `snapshotters` lacks are kept.
absl::StatusOr<Report> CollectGarbage(metadata::Store& store, const content::Store& content,
                                      snapshots::SnapshotterSet& snapshotters,
                                      const Options& options = {});

}  // namespace berth::containerd::gc

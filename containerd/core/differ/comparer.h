// Diff: the changes from one snapshot's mounts (lower) to another's
// (upper) written as a layer into the content store (containerd's
// diff.Comparer, plugins/diff/walking).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/content/store.h"
#include "containerd/core/images/oci.h"
#include "containerd/core/metadata/labels.h"
#include "containerd/core/metadata/store.h"
#include "containerd/core/snapshots/mount.h"

namespace berth::containerd::differ {

// The label containerd puts on a compressed layer blob: its diff_id.
inline constexpr std::string_view kUncompressedLabel = "containerd.io/uncompressed";

struct DiffOptions {
  // Of the layer to write; empty: tar+gzip. Unimplemented for types that
  // are not tar, tar+gzip or tar+zstd layers.
  std::string media_type;
  // The content ingest's ref; empty: a random one.
  std::string ref;
  // Set on the blob's content reference in the namespace, with
  // containerd.io/uncompressed added.
  metadata::Labels labels;
  // Where mounts that are not a single bind are mounted (read-only) while
  // they are read.
  std::string mount_root;
};

// Writes the difference `lower` -> `upper` as a layer blob, commits it to
// `store` (an existing equal blob is fine) and references it from `ns` in
// `metadata` with the labels. `lower` empty: everything in `upper`.
//
// When `upper` is a single overlay mount with an upper directory and
// `lower` shows exactly its lower directories (an overlay of the same
// lowerdirs, or a bind of the single one), the upper directory is the
// change set and is written as it is (overlayfs whiteouts and opaque
// directories become OCI ones). Otherwise both trees are compared whole.
absl::StatusOr<images::Descriptor> Compare(const content::Store& store, metadata::Store* metadata,
                                           std::string_view ns,
                                           const std::vector<snapshots::Mount>& lower,
                                           const std::vector<snapshots::Mount>& upper,
                                           const DiffOptions& options);

}  // namespace berth::containerd::differ

// Image layers: trees turned into tar blobs with their digests.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "tests/testimage/fs_tree.h"
#include "tests/testimage/image.h"

namespace berth::testimage {

// The tree of a layer above the base: its files, whiteouts and opaque dirs.
absl::StatusOr<FsTree> LayerTree(const LayerSpec& spec);

// Tars `tree` (mtime on every entry), compresses it when asked and digests
// both forms.
absl::StatusOr<BuiltImage::Layer> BuildLayer(const FsTree& tree, bool gzip, int64_t mtime,
                                             LayerInfo* info);

}  // namespace berth::testimage

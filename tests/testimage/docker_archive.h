// `docker save` tarballs (the format before docker 25): manifest.json,
// repositories, <config hex>.json and one <layer id>/layer.tar per layer.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "tests/testimage/fs_tree.h"
#include "tests/testimage/image.h"

namespace berth::testimage {

// Writes the archive for `opts` (RepoTags ["name:tag"]). Layers are plain
// tars as docker writes them, whatever opts.gzip says, so the returned
// layer digests equal the diff_ids; the manifest digest is that of the OCI
// manifest of the same uncompressed image (the archive itself has none).
absl::StatusOr<ImageInfo> CreateDockerArchive(const std::string& tar_path,
                                              const ImageOptions& opts);

// The archive's members for an image built with uncompressed layers. Layer
// directories are named by chain ID, as docker names its v1 layer ids.
absl::StatusOr<FsTree> DockerArchiveTree(const BuiltImage& image);

}  // namespace berth::testimage

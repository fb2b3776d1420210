// OCI image layouts (a directory) and OCI archives (the same as one tar, as
// skopeo's oci-archive: and docker >= 25's `docker save` write).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "tests/testimage/fs_tree.h"
#include "tests/testimage/image.h"

namespace berth::testimage {

// Writes oci-layout, index.json (one manifest, ref name = opts.tag) and
// blobs/sha256/* under `dir`, which is created. An existing index.json is
// replaced; other blobs already there are left alone.
absl::StatusOr<ImageInfo> CreateOciLayout(const std::string& dir, const ImageOptions& opts);

// The layout as a single tar at `tar_path`, plus a docker-style manifest.json
// (Config/Layers pointing into blobs/) as docker writes, so the archive also
// loads where only `docker save` tarballs are understood.
absl::StatusOr<ImageInfo> CreateOciArchive(const std::string& tar_path, const ImageOptions& opts);

// The files of the layout; with docker_manifest, also manifest.json.
absl::StatusOr<FsTree> OciLayoutTree(const BuiltImage& image, bool docker_manifest);

}  // namespace berth::testimage

// Manifests and indexes as the registry client reads them from registries,
// and platform selection from an index. The types are the image store's
// (containerd/core/images/oci.h): one Descriptor, Platform, Manifest and
// Index for the whole daemon.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "containerd/core/images/oci.h"

namespace berth::containerd::registry {

using images::Descriptor;
using images::Index;
using images::Manifest;
using images::Platform;

// The Accept header of manifest requests: every type we can read.
inline constexpr char kManifestAccept[] =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

// The media type of a manifest document: its "mediaType" field, else
// `content_type` (the HTTP Content-Type), else guessed from its members.
// schema1 manifests are InvalidArgument (unsupported).
absl::StatusOr<std::string> DetectMediaType(std::string_view data, std::string_view content_type);

// Parse a manifest / an index as registries serve them, more leniently
// than images::ParseManifest / ParseIndex: schemaVersion is not checked
// (DetectMediaType refuses schema1), a missing mediaType means the OCI
// type, descriptors need only a digest, and a platform's fields are
// optional. Read are the documents' mediaType and config and layers, or
// manifests; descriptors' mediaType, digest, size, annotations and
// platform (os, architecture, variant). Errors name the JSON path.
absl::StatusOr<Manifest> ParseManifest(std::string_view data);
absl::StatusOr<Index> ParseIndex(std::string_view data);

// The manifest in `index` for `want`: os and architecture must match; a
// requested variant must match (arm64's empty variant is v8, arm's v7);
// with no variant requested, the host-like one is preferred. NotFound
// listing the available platforms otherwise.
absl::StatusOr<Descriptor> SelectPlatform(const Index& index, const Platform& want);

}  // namespace berth::containerd::registry

// Layer media types and the compression each one names.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "containerd/core/diff/diff.h"

namespace berth::containerd::differ {

// The media type of an uncompressed layer: what Apply reports.
inline constexpr std::string_view kUncompressedLayer = "application/vnd.oci.image.layer.v1.tar";
// What Diff writes when no media type is asked for (containerd's default).
inline constexpr std::string_view kDefaultDiffMediaType =
    "application/vnd.oci.image.layer.v1.tar+gzip";

// The compression of an OCI or docker layer media type (the
// nondistributable OCI forms included). Unimplemented for anything else,
// as containerd's differs answer: no differ here handles it.
absl::StatusOr<diff::Compression> LayerCompression(std::string_view media_type);

}  // namespace berth::containerd::differ

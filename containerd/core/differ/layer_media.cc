#include "containerd/core/differ/layer_media.h"

#include <string>

#include "common/status.h"

namespace berth::containerd::differ {

absl::StatusOr<diff::Compression> LayerCompression(std::string_view media_type) {
  for (std::string_view oci : {"application/vnd.oci.image.layer.v1.tar",
                               "application/vnd.oci.image.layer.nondistributable.v1.tar"}) {
    if (!media_type.starts_with(oci)) continue;
    std::string_view suffix = media_type.substr(oci.size());
    if (suffix.empty()) return diff::Compression::kNone;
    if (suffix == "+gzip") return diff::Compression::kGzip;
    if (suffix == "+zstd") return diff::Compression::kZstd;
  }
  if (media_type == "application/vnd.docker.image.rootfs.diff.tar") {
    return diff::Compression::kNone;
  }
  if (media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
      media_type == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") {
    return diff::Compression::kGzip;
  }
  return absl::UnimplementedError(
      fmt::format("unsupported layer media type {:?}: tar, tar+gzip and tar+zstd layers only",
                  std::string(media_type)));
}

}  // namespace berth::containerd::differ

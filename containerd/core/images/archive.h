// Import and export of image tarballs (containerd core/images/archive):
//
//   OCI layout   oci-layout, index.json, blobs/sha256/<hex> (skopeo's
//                oci-archive:, docker >= 25's `docker save`, which adds a
//                docker manifest.json)
//   docker-save  manifest.json ([{Config, RepoTags, Layers}]), <hex>.json
//                configs and <id>/layer.tar layers (`docker save` before 25,
//                skopeo's docker-archive:)
//
// Import streams the tarball once: every blob goes through a content writer
// and is verified (OCI blobs against their file names, docker layers against
// the config's diff_ids). Docker-save images become OCI manifests written
// into the content store. Records are written only after every image's
// manifest, config and layers are present and verified, in one transaction:
// a tarball with a missing or corrupt blob imports no image. (Blobs already
// committed stay in the content store, as after an interrupted pull.)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/content/store.h"
#include "containerd/core/images/image_store.h"
#include "containerd/core/images/oci.h"
#include "containerd/core/metadata/store.h"

namespace berth::containerd::images {

struct ImportOptions {
  // Names an OCI image whose org.opencontainers.image.ref.name is only a tag
  // ("latest") and that the archive's docker manifest.json does not name:
  // "<base_name>:<tag>". Empty: the ref name alone is the image's name.
  std::string base_name;
  // Set on every imported image.
  Labels labels;
};

// Imports the tarball read from `tar_fd` (plain or compressed) into
// `content` and the image records of namespace `ns` in `store`. An image
// whose name exists is pointed at the new target. Returns the images as
// stored, by name. Errors: InvalidArgument for a tarball that is neither
// format or has no named image, NotFound for a blob an image references
// that is neither in the tarball nor already in the store, DataLoss for a
// blob whose content does not match its digest or diff_id.
absl::StatusOr<std::vector<Image>> Import(const content::Store& content, metadata::Store& store,
                                          std::string_view ns, int tar_fd,
                                          const ImportOptions& options = {});

enum class ArchiveFormat {
  kOciLayout,   // plus a docker manifest.json, as docker >= 25 writes
  kDockerSave,  // manifest.json, <config hex>.json, <layer hex>/layer.tar
};

struct ExportOptions {
  ArchiveFormat format = ArchiveFormat::kOciLayout;
  // The manifest chosen from an index for manifest.json (both formats);
  // nullopt: the host's. The OCI layout itself keeps whole indexes.
  std::optional<Platform> platform;
};

// Writes `images` (from ImageStore) with every blob they reference from
// `content` as one tar to `out_fd`. In the OCI layout, index.json lists each
// image's target annotated with io.containerd.image.name (the name) and
// org.opencontainers.image.ref.name (the tag, or the whole name when it has
// none). Manifests of an index missing from the store are left out (a pull
// fetches one platform); anything else missing is NotFound.
absl::Status Export(const content::Store& content, const std::vector<Image>& images, int out_fd,
                    const ExportOptions& options = {});

}  // namespace berth::containerd::images

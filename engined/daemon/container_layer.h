// A container's writable layer as an image layer: the changes of its
// snapshot over the image's (the snapshot's parent), written by
// berth-containerd's Diff service as a gzip tar into the content store.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "engined/containerd_client/containerd_client.h"

namespace berth::engined {

struct ContainerLayer {
  ctrpb::Descriptor blob;  // the compressed layer in the content store
  std::string diff_id;     // digest of the uncompressed tar
};

// `snapshot_key`: the container's snapshot; `parent_chain_id`: its parent
// (empty: none). The blob is held by `lease`, which the caller keeps until
// something (an image) references the blob.
absl::StatusOr<ContainerLayer> DiffContainerLayer(ContainerdClient& containerd,
                                                  const std::string& snapshot_key,
                                                  const std::string& parent_chain_id,
                                                  const std::string& lease);

}  // namespace berth::engined

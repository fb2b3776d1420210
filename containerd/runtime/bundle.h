// Per-task bundles under the daemon's state dir: STATE/<namespace>/<id>,
// holding config.json, the rootfs mount point, and what the shim writes
// there (address, shim.pid, exit.json, logs). They are how a restarted
// daemon finds its shims again.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::containerd {

struct Bundle {
  std::string ns;
  std::string id;
  std::string path;
};

// Writes a fresh bundle for `spec_json` (the OCI config). AlreadyExists if
// one is there.
absl::StatusOr<Bundle> CreateBundle(const std::string& state_dir, const std::string& ns,
                                    const std::string& id, const std::string& spec_json);
// Every bundle under `state_dir`, sorted by namespace and id.
absl::StatusOr<std::vector<Bundle>> ListBundles(const std::string& state_dir);
// Unmounts what is still mounted on its rootfs, then removes it. Never
// follows a mount: removal stops with an error rather than descend into one.
absl::Status DeleteBundle(const Bundle& bundle);

}  // namespace berth::containerd

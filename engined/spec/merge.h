// Filling a new container's Config from its image's config at create time,
// by docker's rules (moby daemon/commit.go merge, daemon/create.go).
#pragma once

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

// `container_config` is the Config of POST /containers/create; `image_config`
// the "config" object of the image's OCI config (docker's extra Healthcheck
// included). Returns the merged Config; the container's values win:
//   Env            merged by key; image entries the container lacks are appended
//   Cmd            the image's only when the container sets neither Cmd nor Entrypoint
//   Entrypoint     the image's when the container's is null; [""] clears it
//   User, WorkingDir, StopSignal   the image's when the container's is empty
//   ExposedPorts, Volumes, Labels  union, the container's entries kept
//   Healthcheck    the image's, or its fields filling the container's unset ones
absl::StatusOr<nlohmann::json> MergeImageConfig(const nlohmann::json& container_config,
                                                const nlohmann::json& image_config);

}  // namespace berth::engined::spec

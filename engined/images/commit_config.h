// The config of an image made by `docker commit`: the request's Config (or
// the container's when none was sent) with the --change instructions
// applied, then gaps filled from the container's Config, as moby's
// daemon/commit.go merge() does; reduced to the fields an image config
// keeps (OCI "config": User, Env, Cmd, ...).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::images {

// `requested`: the POST /commit body (null or {} when none was sent).
// InvalidArgument for a bad change or a body that is not an object.
absl::StatusOr<nlohmann::json> CommitImageConfig(const nlohmann::json& container_config,
                                                 const nlohmann::json& requested,
                                                 const std::vector<std::string>& changes);

// The history entry's created_by: the container's Cmd joined by spaces.
std::string CommitCreatedBy(const nlohmann::json& container_config);

}  // namespace berth::engined::images

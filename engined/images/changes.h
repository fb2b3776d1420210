// `docker import --change` / `docker commit --change`: the Dockerfile
// instructions CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME,
// STOPSIGNAL (and ONBUILD/HEALTHCHECK refused) applied to an image's
// "config" object (docker's container.Config JSON names: Cmd, Env, ...).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::engined::images {

// Applies each change in order to `config`; InvalidArgument naming the
// change when it is not one of the instructions above or is malformed.
absl::Status ApplyChanges(const std::vector<std::string>& changes, nlohmann::json& config);

// The words of an instruction's argument: a JSON array ("exec form") or,
// for the shell form, words split on blanks with quotes and backslashes.
absl::StatusOr<std::vector<std::string>> SplitWords(const std::string& text);

}  // namespace berth::engined::images

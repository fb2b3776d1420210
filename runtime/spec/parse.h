// config.json -> spec::Spec. Never throws; every error names the JSON path.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::spec {

absl::StatusOr<Spec> ParseSpec(std::string_view text);
absl::StatusOr<Spec> ParseSpecJson(const json::Json& j);

// A process object alone, as `exec --process FILE` reads it.
absl::StatusOr<Process> ParseProcessJson(const json::View& v);
// A LinuxResources object alone, as `update -r FILE` reads it.
absl::StatusOr<Resources> ParseResourcesJson(const json::View& v);

}  // namespace berth::runtime::spec

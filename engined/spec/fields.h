// Typed reads from docker API JSON (Config, HostConfig) that never throw.
// Absent and null both mean "not set"; a value of the wrong type is an
// InvalidArgument naming the field ("HostConfig.Memory: expected an integer").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::spec {

using Json = nlohmann::json;

// The member `key` of `object`, or nullptr when absent, null, or `object`
// is not an object.
const Json* Field(const Json& object, std::string_view key);

absl::StatusOr<std::string> GetString(const Json& object, std::string_view key,
                                      std::string_view path);
absl::StatusOr<int64_t> GetInt(const Json& object, std::string_view key, std::string_view path);
absl::StatusOr<std::optional<int64_t>> GetOptionalInt(const Json& object, std::string_view key,
                                                      std::string_view path);
absl::StatusOr<bool> GetBool(const Json& object, std::string_view key, std::string_view path);
// A list of strings; docker's strslice also accepts a single string.
absl::StatusOr<std::vector<std::string>> GetStrings(const Json& object, std::string_view key,
                                                    std::string_view path);

}  // namespace berth::engined::spec

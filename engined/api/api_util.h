// What the route handlers share: answering a Status, docker's optional
// integer query values, and JSON field access that never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engined/http/http.h"

namespace berth::engined::api {

// A failed status as docker's error JSON; OK as `ok_status` with no body.
void Reply(http::ResponseWriter& w, const absl::Status& status, int ok_status = 204);

// An optional integer query value ("t", "h"): nullopt when absent or empty.
absl::StatusOr<std::optional<int>> OptionalInt(const http::Request& r, const std::string& key);

// A query value that must be an int within [lo, hi].
absl::StatusOr<int> RequiredInt(const http::Request& r, const std::string& key, int lo, int hi);

inline bool JsonBool(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
inline std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace berth::engined::api

#include "engined/images/filters.h"

#include <fnmatch.h>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace berth::engined::images {

absl::StatusOr<Filters> ParseFilters(const std::string& json,
                                     const std::set<std::string>& allowed) {
  Filters out;
  if (json.empty()) return out;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return InvalidArgumentf("invalid filters: {}", json);
  for (const auto& [key, value] : j.items()) {
    if (!allowed.contains(key)) return InvalidArgumentf("invalid filter '{}'", key);
    std::vector<std::string>& values = out[key];
    if (value.is_object()) {
      for (const auto& [v, on] : value.items()) {
        if (!on.is_boolean()) return InvalidArgumentf("invalid filters: {}", json);
        if (on.get<bool>()) values.push_back(v);
      }
    } else if (value.is_array()) {
      for (const nlohmann::json& v : value) {
        if (!v.is_string()) return InvalidArgumentf("invalid filters: {}", json);
        values.push_back(v.get<std::string>());
      }
    } else {
      return InvalidArgumentf("invalid filters: {}", json);
    }
  }
  return out;
}

bool MatchLabels(const std::vector<std::string>& wanted,
                 const std::map<std::string, std::string>& labels) {
  for (const std::string& w : wanted) {
    size_t eq = w.find('=');
    auto it = labels.find(w.substr(0, eq));
    if (it == labels.end()) return false;
    if (eq != std::string::npos && it->second != w.substr(eq + 1)) return false;
  }
  return true;
}

bool MatchReference(const std::vector<std::string>& patterns, const std::string& familiar) {
  std::string name = familiar.substr(0, familiar.rfind(':'));
  if (name.find('/', familiar.rfind(':') == std::string::npos ? 0 : name.size()) !=
      std::string::npos) {
    name = familiar;  // the ':' was a port
  }
  for (const std::string& p : patterns) {
    if (::fnmatch(p.c_str(), familiar.c_str(), FNM_PATHNAME) == 0) return true;
    if (::fnmatch(p.c_str(), name.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

absl::StatusOr<bool> ParseBoolFilter(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return InvalidArgumentf("invalid filter '{}={}'", key, value);
}

}  // namespace berth::engined::images

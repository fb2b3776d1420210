#include "engined/network/network_filters.h"

#include <regex>

#include "common/status.h"

namespace berth::engined::network {
namespace {

// moby filters.Args.Match: equal, or the value as a regular expression
// found in the text.
bool Match(const std::set<std::string>& values, const std::string& text) {
  for (const std::string& v : values) {
    if (v == text) return true;
    try {
      if (std::regex_search(text, std::regex(v))) return true;
    } catch (const std::regex_error&) {
      // Not a regular expression: no match, as moby skips it.
    }
  }
  return false;
}

bool IsTrue(const std::string& v) { return v == "true" || v == "1"; }
bool IsFalse(const std::string& v) { return v == "false" || v == "0"; }

}  // namespace

absl::Status ValidateNetworkFilters(const NetworkFilters& filters) {
  static const std::set<std::string> kAccepted = {"dangling", "driver", "id",  "label",
                                                  "name",     "scope",  "type"};
  for (const auto& [key, values] : filters) {
    if (kAccepted.count(key) == 0) return InvalidArgumentf("invalid filter '{}'", key);
  }
  if (auto it = filters.find("type"); it != filters.end()) {
    for (const std::string& v : it->second) {
      if (v != "builtin" && v != "custom") return InvalidArgumentf("invalid filter 'type={}'", v);
    }
  }
  if (auto it = filters.find("dangling"); it != filters.end()) {
    for (const std::string& v : it->second) {
      if (!IsTrue(v) && !IsFalse(v)) return InvalidArgumentf("invalid filter 'dangling={}'", v);
    }
  }
  return absl::OkStatus();
}

bool MatchesNetworkFilters(const NetworkRecord& network, const NetworkFilters& filters) {
  auto values = [&](const char* key) -> const std::set<std::string>* {
    auto it = filters.find(key);
    return it == filters.end() || it->second.empty() ? nullptr : &it->second;
  };
  if (auto* v = values("driver"); v && v->count(network.driver) == 0) return false;
  if (auto* v = values("scope"); v && v->count("local") == 0) return false;
  if (auto* v = values("name"); v && !Match(*v, network.name)) return false;
  if (auto* v = values("id"); v && !Match(*v, network.id)) return false;
  // Predefined networks have no labels: any label filter leaves them out.
  if (values("label") != nullptr) return false;
  if (auto* v = values("type"); v && v->count("builtin") == 0) return false;
  // Never dangling: only "dangling=false" keeps them.
  if (auto* v = values("dangling")) {
    for (const std::string& d : *v) {
      if (IsTrue(d)) return false;
    }
  }
  return true;
}

}  // namespace berth::engined::network

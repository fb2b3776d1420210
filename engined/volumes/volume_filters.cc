#include "engined/volumes/volume_filters.h"

#include <regex>

#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::volumes {

absl::StatusOr<FilterArgs> ParseFilters(const std::string& text) {
  FilterArgs out;
  if (TrimSpace(text).empty()) return out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentf("invalid filter: filters must be a JSON object: {}", text);
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::vector<std::string>& values = out[it.key()];
    if (it->is_object()) {
      for (auto v = it->begin(); v != it->end(); ++v) {
        if (v->is_boolean() && v->get<bool>()) values.push_back(v.key());
      }
    } else if (it->is_array()) {
      for (const auto& v : *it) {
        if (!v.is_string()) return InvalidArgumentf("invalid filter '{}'", it.key());
        values.push_back(v.get<std::string>());
      }
    } else {
      return InvalidArgumentf("invalid filter '{}'", it.key());
    }
  }
  return out;
}

absl::Status ValidateFilterKeys(const FilterArgs& args, const std::set<std::string>& accepted) {
  for (const auto& [key, values] : args) {
    if (!accepted.count(key)) return InvalidArgumentf("invalid filter '{}'", key);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> FilterBool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1" || value == "True" || value == "TRUE") return true;
  if (value == "false" || value == "0" || value == "False" || value == "FALSE") return false;
  return InvalidArgumentf("invalid filter '{}={}'", key, value);
}

namespace {

bool LabelMatches(const std::map<std::string, std::string>& labels, const std::string& want) {
  auto [key, value] = SplitOnce(want, '=');
  auto it = labels.find(std::string(key));
  if (it == labels.end()) return false;
  return !value || it->second == *value;
}

}  // namespace

bool LabelsMatch(const std::map<std::string, std::string>& labels,
                 const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted) {
    if (!LabelMatches(labels, w)) return false;
  }
  return true;
}

bool LabelsExclude(const std::map<std::string, std::string>& labels,
                   const std::vector<std::string>& unwanted) {
  for (const std::string& w : unwanted) {
    if (LabelMatches(labels, w)) return false;
  }
  return true;
}

bool NameMatches(const std::string& name, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  for (const std::string& w : wanted) {
    std::regex re;
    bool valid = true;
    try {
      re = std::regex(w, std::regex::extended);
    } catch (const std::regex_error&) {
      valid = false;
    }
    if (valid ? std::regex_search(name, re) : name.find(w) != std::string::npos) return true;
  }
  return false;
}

}  // namespace berth::engined::volumes

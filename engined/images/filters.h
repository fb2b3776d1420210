// docker's ?filters= argument ({"key":{"value":true}} or the older
// {"key":["value"]}) and the image-list matchers over it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::images {

using Filters = std::map<std::string, std::vector<std::string>>;

// Parses `json` (empty: no filters); keys outside `allowed` are
// InvalidArgument "invalid filter 'key'", as docker answers.
absl::StatusOr<Filters> ParseFilters(const std::string& json, const std::set<std::string>& allowed);

// "label" filter values ("key" or "key=value") against image labels; all
// must match.
bool MatchLabels(const std::vector<std::string>& wanted,
                 const std::map<std::string, std::string>& labels);

// "reference" patterns (path globs) against a familiar "name:tag"; either
// the whole or the name alone may match.
bool MatchReference(const std::vector<std::string>& patterns, const std::string& familiar);

// The "dangling" value: true/false; InvalidArgument for anything else.
absl::StatusOr<bool> ParseBoolFilter(const std::string& key, const std::string& value);

}  // namespace berth::engined::images

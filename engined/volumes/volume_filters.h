// docker's `filters` query parameter for volume list and prune:
// {"name":{"x":true}} or the older {"name":["x"]}.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/volumes/volume.h"

namespace berth::engined::volumes {

using FilterArgs = std::map<std::string, std::vector<std::string>>;

// Parses the JSON text (empty means no filters).
absl::StatusOr<FilterArgs> ParseFilters(const std::string& text);

// Fails with docker's "invalid filter 'key'" for keys outside `accepted`.
absl::Status ValidateFilterKeys(const FilterArgs& args, const std::set<std::string>& accepted);

// A filter value taken as docker's boolean ("true"/"1"/"false"/"0").
absl::StatusOr<bool> FilterBool(const std::string& key, const std::string& value);

// Whether `labels` satisfy every "key" / "key=value" in `wanted`.
bool LabelsMatch(const std::map<std::string, std::string>& labels,
                 const std::vector<std::string>& wanted);
// Whether `labels` match none of `unwanted` (label! filters).
bool LabelsExclude(const std::map<std::string, std::string>& labels,
                   const std::vector<std::string>& unwanted);

// docker's name filter: any value matching part of the name as a regular
// expression (a plain substring when the value is not one).
bool NameMatches(const std::string& name, const std::vector<std::string>& wanted);

}  // namespace berth::engined::volumes

// Splits a request target ("/v1.41/images/a%2Fb/json?all=1") into the API
// version, %-decoded path segments and the decoded query, checking the
// version against the server's range with docker's messages.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::engined::http {

struct Target {
  std::string api_version;            // "" for an unversioned path
  std::vector<std::string> segments;  // decoded, empty segments dropped
  std::string path;                   // "/" + segments joined by "/"
  std::multimap<std::string, std::string> query;
};

// %XX escapes decoded; with `plus_is_space` ('+' in queries) '+' is ' '.
// InvalidArgument names the bad escape.
absl::StatusOr<std::string> PercentDecode(std::string_view s, bool plus_is_space);

// Compares dotted versions numerically ("1.9" < "1.10"): <0, 0, >0.
int CompareVersions(std::string_view a, std::string_view b);

// InvalidArgument for a malformed target or escape, or a version outside
// [min_version, max_version] (docker's "client version ... is too old").
absl::StatusOr<Target> ParseTarget(std::string_view target, const std::string& min_version,
                                   const std::string& max_version);

}  // namespace berth::engined::http

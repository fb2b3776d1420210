// Small display rules docker's CLI applies to every listing.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands/cli.h"

namespace berth::cli {

// The 12-character id docker shows ("sha256:" dropped).
std::string ShortId(std::string_view id);
// `s` cut to `width` characters, the last one an ellipsis (docker's
// formatter.Ellipsis).
std::string Ellipsis(std::string_view s, size_t width);
// Go's time.Time.String() layout in local time: "2026-12-02 18:40:49 +0000 UTC".
std::string GoTime(int64_t unix_seconds);
// "3 minutes ago".
std::string TimeAgo(int64_t unix_seconds);
// RFC 3339 text (the daemon's Created/StartedAt) to unix seconds; 0 if bad.
int64_t ParseRfc3339(std::string_view text);

// Renders `rows` with --format (or `default_table` when it is empty or
// "table") and prints them; the status of a bad template. `labels[i]` (an
// object, when given) answers {{.Label "key"}} for the row whose `key_field`
// matches rows[i]'s.
absl::Status PrintRows(Cli& cli, std::string_view format, std::string_view default_table,
                       const nlohmann::json& headers, const std::vector<nlohmann::json>& rows,
                       const std::vector<nlohmann::json>& labels = {},
                       const std::string& key_field = "ID");

// `--filter a=b` values as the API's filters JSON: {"a":{"b":true}}.
absl::StatusOr<std::string> FiltersJson(const std::vector<std::string>& filters);

}  // namespace berth::cli

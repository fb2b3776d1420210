// Pure helpers the system, volume, context and stats commands share, kept
// apart from I/O so unit tests reach them: docker's natural sort,
// docker's --since/--until timestamps, the event line, and
// Go's tabwriter as docker's version and top use it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::cli {

// fvbommel/sortorder.NaturalLess: digit runs compare as numbers
// ("vol2" < "vol10"), digits sort before other characters.
bool NaturalLess(std::string_view a, std::string_view b);

// docker's timetypes.GetTimestamp: what --since / --until send. A duration
// counts back from `now_nanos` ("10m" -> unix seconds); RFC 3339 dates and
// times (local time without a zone) become "seconds.nanoseconds"; a unix
// timestamp passes as is. InvalidArgument otherwise.
absl::StatusOr<std::string> DockerTimestamp(std::string_view value, int64_t now_nanos);

// Go's Format("2006-01-02T15:04:05.000000000Z07:00") of a unix time in
// nanoseconds, in local time ("Z" for UTC).
std::string Rfc3339NanoFixed(int64_t unix_nanos);

// docker events' default line, without the newline:
// "2026-12-02T18:40:49.123456789Z container start <id> (image=busybox, name=web)".
std::string EventLine(const nlohmann::json& event);

// Go's text/tabwriter (flags 0, padding with spaces) over `text`: cells
// end at tabs, a column block ends at a line without the column.
std::string TabWrite(std::string_view text, int min_width, int tab_width, int padding);

}  // namespace berth::cli

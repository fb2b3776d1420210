// The timestamps `docker logs` exchanges: the API's since/until values and
// the times printed before each line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::engined::logs {

// docker's API form (timetypes.ParseTimestamps): Unix seconds with an
// optional fraction, "1700000000" or "1700000000.123456789" (the fraction
// padded to nanoseconds). Also accepted, for our own CLI: RFC 3339
// ("2026-12-02T06:12:12.5Z", "...+01:00") and a Go duration before `now`
// ("10m", "1h30m", "1.5s"). Returns nanoseconds since the epoch.
absl::StatusOr<int64_t> ParseDockerTime(std::string_view value, int64_t now_nanos);

// The `since` and `until` query values as docker reads them: empty means no
// bound; for `until` "0" also means none (for `since` "0" is the epoch).
absl::StatusOr<std::optional<int64_t>> ParseLogsSince(std::string_view value);
absl::StatusOr<std::optional<int64_t>> ParseLogsUntil(std::string_view value);

// The `tail` query value: a number of records, or -1 (all) for "all" and for
// anything that is not a non-negative integer (docker's strconv.Atoi fallback).
int64_t ParseLogsTail(std::string_view value);

// A record's "time" field (RFC 3339 with nanoseconds) -> nanoseconds.
absl::StatusOr<int64_t> ParseRecordTime(std::string_view text);

// docker's timestamp prefix (jsonmessage.RFC3339NanoFixed, UTC): always nine
// fraction digits, "2026-12-02T06:12:12.120000000Z".
std::string FormatTimestampFixed(int64_t nanos);
// Go's time.RFC3339Nano in UTC (trailing fraction zeros dropped), as JSON
// time.Time values print: "2026-12-02T06:12:12.12Z".
std::string FormatRfc3339Nano(int64_t nanos);

int64_t NowNanos();

}  // namespace berth::engined::logs

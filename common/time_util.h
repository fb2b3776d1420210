// Timestamps in the formats container tools exchange.
#pragma once

#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth {

// RFC 3339 with nanoseconds in UTC, as Go's time.RFC3339Nano prints it:
// trailing zeros of the fraction dropped ("2026-11-24T06:15:52.0381Z").
std::string FormatRfc3339Nano(const struct timespec& ts);
std::string NowRfc3339Nano();

// Parses RFC 3339 (with or without a fraction, 'Z' or a numeric offset).
absl::StatusOr<struct timespec> ParseRfc3339(const std::string& text);

// Go's time.ParseDuration ("1h30m", "1.5s", "300ms", "-2m") in nanoseconds;
// InvalidArgument with Go's message otherwise ("10" lacks a unit).
absl::StatusOr<int64_t> ParseGoDuration(std::string_view text);

struct timespec RealtimeNow();
int64_t MonotonicNanos();

}  // namespace berth

#include "engined/logs/time_parse.h"

#include <time.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"

namespace berth::engined::logs {
namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "sec" or "sec.frac" as timetypes.ParseTimestamps reads it.
std::optional<int64_t> ParseUnixSeconds(std::string_view value) {
  auto [sec_text, frac_text] = SplitOnce(value, '.');
  std::string_view digits = sec_text;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (!AllDigits(digits)) return std::nullopt;
  std::optional<int64_t> sec = ParseInt64(sec_text);
  if (!sec) return std::nullopt;
  int64_t nanos = 0;
  if (frac_text) {
    if (!AllDigits(*frac_text)) return std::nullopt;
    // Digits past the ninth are below a nanosecond.
    std::string_view frac = frac_text->substr(0, 9);
    for (char c : frac) nanos = nanos * 10 + (c - '0');
    for (size_t i = frac.size(); i < 9; ++i) nanos *= 10;
  }
  return *sec * kNanosPerSecond + nanos;
}

std::string FormatUtc(int64_t nanos, bool fixed) {
  int64_t sec = nanos / kNanosPerSecond;
  int64_t frac = nanos % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --sec;
  }
  if (fixed) {
    time_t t = static_cast<time_t>(sec);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(frac));
    return buf;
  }
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = static_cast<long>(frac);
  return ::berth::FormatRfc3339Nano(ts);
}

}  // namespace

absl::StatusOr<int64_t> ParseDockerTime(std::string_view value, int64_t now_nanos) {
  if (std::optional<int64_t> unix = ParseUnixSeconds(value)) return *unix;
  if (value.find('T') != std::string_view::npos) {
    absl::StatusOr<struct timespec> ts = ParseRfc3339(std::string(value));
    if (ts.ok()) return static_cast<int64_t>(ts->tv_sec) * kNanosPerSecond + ts->tv_nsec;
  }
  if (absl::StatusOr<int64_t> ago = ParseGoDuration(value); ago.ok()) return now_nanos - *ago;
  return InvalidArgumentf(
      "invalid time value {:?}: want Unix seconds (with an optional fraction), RFC 3339, or a "
      "duration",
      value);
}

absl::StatusOr<std::optional<int64_t>> ParseLogsSince(std::string_view value) {
  if (value.empty()) return std::optional<int64_t>();
  BERTH_ASSIGN_OR_RETURN(int64_t t, ParseDockerTime(value, NowNanos()));
  return std::optional<int64_t>(t);
}

absl::StatusOr<std::optional<int64_t>> ParseLogsUntil(std::string_view value) {
  if (value.empty() || value == "0") return std::optional<int64_t>();
  BERTH_ASSIGN_OR_RETURN(int64_t t, ParseDockerTime(value, NowNanos()));
  return std::optional<int64_t>(t);
}

int64_t ParseLogsTail(std::string_view value) {
  std::optional<int64_t> n = ParseInt64(value);
  if (!n || *n < 0) return -1;
  return *n;
}

absl::StatusOr<int64_t> ParseRecordTime(std::string_view text) {
  absl::StatusOr<struct timespec> ts = ParseRfc3339(std::string(text));
  if (!ts.ok()) return ts.status();
  return static_cast<int64_t>(ts->tv_sec) * kNanosPerSecond + ts->tv_nsec;
}

std::string FormatTimestampFixed(int64_t nanos) { return FormatUtc(nanos, /*fixed=*/true); }

std::string FormatRfc3339Nano(int64_t nanos) { return FormatUtc(nanos, /*fixed=*/false); }

int64_t NowNanos() {
  struct timespec ts = RealtimeNow();
  return static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

}  // namespace berth::engined::logs

#include "common/time_util.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/status.h"

namespace berth {
namespace {

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string FormatRfc3339Nano(const struct timespec& ts) {
  struct tm tm;
  time_t secs = ts.tv_sec;
  gmtime_r(&secs, &tm);
  char head[32];
  std::strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = head;
  if (ts.tv_nsec != 0) {
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
    size_t len = std::strlen(frac);
    while (len > 1 && frac[len - 1] == '0') --len;
    out.append(frac, len);
  }
  out += 'Z';
  return out;
}

struct timespec RealtimeNow() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

std::string NowRfc3339Nano() { return FormatRfc3339Nano(RealtimeNow()); }

int64_t MonotonicNanos() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

absl::StatusOr<struct timespec> ParseRfc3339(const std::string& text) {
  struct tm tm = {};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return InvalidArgumentf("invalid RFC 3339 time {:?}", text);
  long nanos = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (*rest - '0');
        ++digits;
      }
      ++rest;
    }
    if (digits == 0) return InvalidArgumentf("invalid RFC 3339 time {:?}", text);
    for (; digits < 9; ++digits) nanos *= 10;
  }
  long offset = 0;
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int sign = *rest == '-' ? -1 : 1;
    int hh = 0, mm = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2) {
      return InvalidArgumentf("invalid RFC 3339 time offset in {:?}", text);
    }
    offset = sign * (hh * 3600L + mm * 60L);
    rest += 6;
  } else {
    return InvalidArgumentf("invalid RFC 3339 time {:?}: missing zone", text);
  }
  if (*rest != '\0') return InvalidArgumentf("invalid RFC 3339 time {:?}", text);
  struct timespec ts;
  ts.tv_sec = timegm(&tm) - offset;
  ts.tv_nsec = nanos;
  return ts;
}

absl::StatusOr<int64_t> ParseGoDuration(std::string_view text) {
  auto bad = [&] { return InvalidArgumentf("time: invalid duration \"{}\"", text); };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return bad();
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (IsAsciiDigit(s[n]) || s[n] == '.')) ++n;
    if (n == 0 || s.substr(0, n) == ".") return bad();
    double value = std::strtod(std::string(s.substr(0, n)).c_str(), nullptr);
    s.remove_prefix(n);
    size_t u = 0;
    while (u < s.size() && !IsAsciiDigit(s[u]) && s[u] != '.') ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double scale;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else if (unit.empty()) {
      return InvalidArgumentf("time: missing unit in duration \"{}\"", text);
    } else {
      return InvalidArgumentf("time: unknown unit \"{}\" in duration \"{}\"", unit, text);
    }
    total += value * scale;
  }
  int64_t nanos = static_cast<int64_t>(std::llround(total));
  return negative ? -nanos : nanos;
}

}  // namespace berth

#include "common/time_util.h"

#include <cstdio>
#include <cstring>

#include "common/status.h"

namespace berth {

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

}  // namespace berth

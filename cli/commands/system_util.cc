#include "cli/commands/system_util.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <vector>

#include "cli/output/tabwriter.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_util.h"

namespace berth::cli {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` digits at s[*pos]; false when they are not there.
bool ReadDigits(std::string_view s, size_t* pos, size_t count, int* out) {
  if (*pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += count;
  *out = v;
  return true;
}

// "2006-01-02[T15[:04[:05[.999999999]]]][Z|+07:00]" -> unix nanoseconds;
// local time when no zone is given. nullopt when it does not parse.
std::optional<int64_t> ParseDateTime(std::string_view s) {
  size_t pos = 0;
  struct tm t {};
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(s, &pos, 4, &year) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &month) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &day)) {
    return std::nullopt;
  }
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == 'T') {
    ++pos;
    if (!ReadDigits(s, &pos, 2, &t.tm_hour)) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &t.tm_min)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') {
        ++pos;
        if (!ReadDigits(s, &pos, 2, &t.tm_sec)) return std::nullopt;
        if (pos < s.size() && s[pos] == '.') {
          ++pos;
          int64_t scale = 100000000;
          size_t start = pos;
          for (; pos < s.size() && IsDigit(s[pos]); ++pos) {
            nanos += (s[pos] - '0') * scale;
            scale /= 10;
          }
          if (pos == start) return std::nullopt;
        }
      }
    }
  }
  std::optional<int64_t> offset;  // seconds east of UTC
  if (pos < s.size()) {
    char z = s[pos];
    if (z == 'Z' || z == 'z') {
      offset = 0;
      ++pos;
    } else if (z == '+' || z == '-') {
      ++pos;
      int h = 0, m = 0;
      if (!ReadDigits(s, &pos, 2, &h) || pos >= s.size() || s[pos++] != ':' ||
          !ReadDigits(s, &pos, 2, &m)) {
        return std::nullopt;
      }
      offset = (z == '-' ? -1 : 1) * (h * 3600 + m * 60);
    }
  }
  if (pos != s.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || t.tm_hour > 23 || t.tm_min > 59 ||
      t.tm_sec > 59) {
    return std::nullopt;
  }
  int64_t secs;
  if (offset) {
    secs = static_cast<int64_t>(timegm(&t)) - *offset;
  } else {
    t.tm_isdst = -1;
    secs = static_cast<int64_t>(mktime(&t));
  }
  return secs * 1000000000 + nanos;
}

// A unix timestamp as the daemon takes it: "123" or "123.456".
bool IsUnixTimestamp(std::string_view s) {
  auto [secs, frac] = SplitOnce(s, '.');
  if (secs.empty() || !std::all_of(secs.begin(), secs.end(), IsDigit)) return false;
  return !frac || std::all_of(frac->begin(), frac->end(), IsDigit);
}

}  // namespace

bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = IsDigit(a[i]), db = IsDigit(b[j]);
    if (da != db) return da;
    if (!da) {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
      continue;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    size_t nz_a = i, nz_b = j;
    while (i < a.size() && IsDigit(a[i])) ++i;
    while (j < b.size() && IsDigit(b[j])) ++j;
    if (i - nz_a != j - nz_b) return i - nz_a < j - nz_b;
    std::string_view na = a.substr(nz_a, i - nz_a), nb = b.substr(nz_b, j - nz_b);
    if (na != nb) return na < nb;
    if (nz_a != nz_b) return nz_a < nz_b;
  }
  return a.size() < b.size();
}

absl::StatusOr<std::string> DockerTimestamp(std::string_view value, int64_t now_nanos) {
  if (value != "0") {
    if (absl::StatusOr<int64_t> d = ParseGoDuration(value); d.ok()) {
      int64_t t = now_nanos - *d;
      // Go's Unix(): rounds toward negative infinity.
      int64_t secs = t / 1000000000 - (t % 1000000000 < 0 ? 1 : 0);
      return std::to_string(secs);
    }
  }
  if (std::optional<int64_t> t = ParseDateTime(value)) {
    int64_t secs = *t / 1000000000, nanos = *t % 1000000000;
    if (nanos < 0) {
      secs -= 1;
      nanos += 1000000000;
    }
    return fmt::format("{}.{:09d}", secs, nanos);
  }
  if (value.find('-') != std::string_view::npos) {
    return InvalidArgumentf("parsing time \"{}\": cannot parse as a date", value);
  }
  if (IsUnixTimestamp(value)) return std::string(value);
  return InvalidArgumentf("failed to parse value as time or duration: \"{}\"", value);
}

std::string Rfc3339NanoFixed(int64_t unix_nanos) {
  int64_t secs = unix_nanos / 1000000000, nanos = unix_nanos % 1000000000;
  if (nanos < 0) {
    secs -= 1;
    nanos += 1000000000;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm local {};
  localtime_r(&t, &local);
  char base[32];
  std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &local);
  std::string zone = "Z";
  if (local.tm_gmtoff != 0) {
    long off = local.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    zone = fmt::format("{}{:02d}:{:02d}", sign, off / 3600, (off % 3600) / 60);
  }
  return fmt::format("{}.{:09d}{}", base, nanos, zone);
}

std::string EventLine(const nlohmann::json& event) {
  std::string out;
  int64_t time_nano = event.value("timeNano", int64_t{0});
  int64_t time_secs = event.value("time", int64_t{0});
  if (time_nano != 0) {
    out = Rfc3339NanoFixed(time_nano) + " ";
  } else if (time_secs != 0) {
    out = Rfc3339NanoFixed(time_secs * 1000000000) + " ";
  }
  const nlohmann::json actor = event.value("Actor", nlohmann::json::object());
  out += event.value("Type", "") + " " + event.value("Action", "") + " " + actor.value("ID", "");
  const nlohmann::json attrs = actor.value("Attributes", nlohmann::json::object());
  if (attrs.is_object() && !attrs.empty()) {
    std::vector<std::string> parts;
    for (auto it = attrs.begin(); it != attrs.end(); ++it) {  // sorted by key
      parts.push_back(it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()));
    }
    out += " (" + Join(parts, ", ") + ")";
  }
  return out;
}

std::string TabWrite(std::string_view text, int min_width, int tab_width, int padding) {
  output::TabWriter w(min_width, tab_width, padding, ' ', 0);
  w.Write(text);
  w.Flush();
  return w.output();
}

}  // namespace berth::cli

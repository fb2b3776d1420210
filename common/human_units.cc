#include "common/human_units.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

#include "common/status.h"

namespace berth {
namespace {

constexpr const char* kDecimalUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
constexpr const char* kBinaryUnits[] = {"B",   "KiB", "MiB", "GiB", "TiB",
                                        "PiB", "EiB", "ZiB", "YiB"};

// go-units getSizeAndUnit + Sprintf("%.*g%s"). C's %g and Go's %g agree for
// an explicit precision (both round, then drop trailing zeros).
std::string CustomSize(double size, double base, const char* const* units, size_t n_units,
                       int precision) {
  size_t i = 0;
  while (size >= base && i + 1 < n_units) {
    size /= base;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g%s", precision, size, units[i]);
  return buf;
}

// strconv.ParseFloat for the decimal forms a size can take ("1", "1.5",
// ".5", "1e3", "+2"); hex floats, "inf" and digit separators are refused.
absl::StatusOr<double> ParseGoFloat(std::string_view text) {
  auto syntax = [&] {
    return InvalidArgumentf("strconv.ParseFloat: parsing \"{}\": invalid syntax", text);
  };
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  }
  if (digits == 0) return syntax();
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return syntax();
  }
  if (i != text.size()) return syntax();
  std::string copy(text);
  errno = 0;
  double value = std::strtod(copy.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(value)) {
    return InvalidArgumentf("strconv.ParseFloat: parsing \"{}\": value out of range", text);
  }
  return value;
}

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

std::string HumanSizeWithPrecision(double bytes, int precision) {
  return CustomSize(bytes, 1000.0, kDecimalUnits, std::size(kDecimalUnits), precision);
}

std::string HumanSize(double bytes) { return HumanSizeWithPrecision(bytes, 4); }

std::string BytesSize(double bytes) {
  return CustomSize(bytes, 1024.0, kBinaryUnits, std::size(kBinaryUnits), 4);
}

std::string HumanDuration(int64_t seconds) {
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return fmt::format("{} seconds", seconds);
  int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return fmt::format("{} minutes", minutes);
  // go-units rounds hours (90 minutes is "2 hours") but truncates years.
  int64_t hours = static_cast<int64_t>(static_cast<double>(seconds) / 3600.0 + 0.5);
  if (hours == 1) return "About an hour";
  if (hours < 48) return fmt::format("{} hours", hours);
  if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
  if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
  if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
  return fmt::format("{} years", seconds / 3600 / 24 / 365);
}

absl::StatusOr<int64_t> RAMInBytes(std::string_view size) {
  // go-units parseSize: the number ends at the last digit, '.' or space; a
  // space just before the suffix is dropped ("10 MB").
  size_t sep = size.find_last_of("0123456789. ");
  if (sep == std::string_view::npos) return InvalidArgumentf("invalid size: '{}'", size);
  std::string_view num = size.substr(0, size[sep] == ' ' ? sep : sep + 1);
  std::string_view suffix = size.substr(sep + 1);
  BERTH_ASSIGN_OR_RETURN(double value, ParseGoFloat(num));
  if (value < 0) return InvalidArgumentf("invalid size: '{}'", size);

  if (!suffix.empty()) {
    auto bad_suffix = [&] { return InvalidArgumentf("invalid suffix: '{}'", suffix); };
    if (suffix.size() > 3) return bad_suffix();
    std::string sfx;
    for (char c : suffix) sfx += Lower(c);
    if (sfx[0] == 'b') {
      if (sfx.size() > 1) return bad_suffix();
    } else {
      static constexpr std::string_view kPrefixes = "kmgtp";
      size_t power = kPrefixes.find(sfx[0]);
      if (power == std::string_view::npos) return bad_suffix();
      if ((sfx.size() == 2 && sfx[1] != 'b') || (sfx.size() == 3 && sfx.substr(1) != "ib")) {
        return bad_suffix();
      }
      value *= std::pow(1024.0, static_cast<double>(power + 1));
    }
  }
  // Go's int64() of a float past the range is undefined; refuse it instead.
  if (value >= 9223372036854775808.0) return InvalidArgumentf("invalid size: '{}'", size);
  return static_cast<int64_t>(value);
}

}  // namespace berth

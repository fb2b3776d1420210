#include "engined/http/target.h"

#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsVersion(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgumentf("invalid URL escape {:?}", std::string(s.substr(i, 3)));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int CompareVersions(std::string_view a, std::string_view b) {
  std::vector<std::string_view> pa = Split(a, '.');
  std::vector<std::string_view> pb = Split(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    long va = 0;
    long vb = 0;
    if (i < pa.size()) va = std::strtol(std::string(pa[i]).c_str(), nullptr, 10);
    if (i < pb.size()) vb = std::strtol(std::string(pb[i]).c_str(), nullptr, 10);
    if (va != vb) return va < vb ? -1 : 1;
  }
  return 0;
}

absl::StatusOr<Target> ParseTarget(std::string_view target, const std::string& min_version,
                                   const std::string& max_version) {
  if (target.empty() || target[0] != '/') {
    return InvalidArgumentf("invalid request target {:?}: not an absolute path",
                            std::string(target));
  }
  Target out;
  std::string_view raw_path = target;
  std::string_view raw_query;
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    raw_path = target.substr(0, q);
    raw_query = target.substr(q + 1);
  }
  // Split before decoding so an escaped '/' stays inside its segment.
  std::vector<std::string_view> raw_segments = Split(raw_path, '/', true);
  size_t first = 0;
  if (!raw_segments.empty() && raw_segments[0].size() > 1 && raw_segments[0][0] == 'v' &&
      IsVersion(raw_segments[0].substr(1))) {
    out.api_version = std::string(raw_segments[0].substr(1));
    first = 1;
    if (CompareVersions(out.api_version, min_version) < 0) {
      return InvalidArgumentf(
          "client version {} is too old. Minimum supported API version is {}, please upgrade "
          "your client to a newer version",
          out.api_version, min_version);
    }
    if (CompareVersions(out.api_version, max_version) > 0) {
      return InvalidArgumentf("client version {} is too new. Maximum supported API version is {}",
                              out.api_version, max_version);
    }
  }
  for (size_t i = first; i < raw_segments.size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(std::string segment, PercentDecode(raw_segments[i], false));
    out.segments.push_back(std::move(segment));
  }
  out.path = "/" + Join(out.segments, "/");
  for (std::string_view pair : Split(raw_query, '&', true)) {
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    auto decoded_key = PercentDecode(key, true);
    auto decoded_value = PercentDecode(value, true);
    if (!decoded_key.ok() || !decoded_value.ok()) {
      absl::Status bad = decoded_key.ok() ? decoded_value.status() : decoded_key.status();
      return WithContext(bad, fmt::format("invalid query {:?}", std::string(raw_query)));
    }
    out.query.emplace(*std::move(decoded_key), *std::move(decoded_value));
  }
  return out;
}

}  // namespace berth::engined::http

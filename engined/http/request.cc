// Request accessors (docker's query conventions) and the Status -> HTTP
// status table.
#include <charconv>

#include "common/status.h"
#include "common/strings.h"
#include "engined/http/http.h"

namespace berth::engined::http {

std::string Request::Query(const std::string& key, const std::string& fallback) const {
  auto it = query.find(key);
  return it == query.end() ? fallback : it->second;
}

std::vector<std::string> Request::QueryAll(const std::string& key) const {
  std::vector<std::string> values;
  auto [begin, end] = query.equal_range(key);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

bool Request::HasQuery(const std::string& key) const { return query.count(key) > 0; }

bool Request::QueryBool(const std::string& key, bool fallback) const {
  auto it = query.find(key);
  if (it == query.end()) return fallback;
  const std::string& v = it->second;
  return !(v.empty() || v == "0" || v == "false" || v == "False" || v == "no");
}

absl::StatusOr<int64_t> Request::QueryInt(const std::string& key, int64_t fallback) const {
  auto it = query.find(key);
  if (it == query.end() || it->second.empty()) return fallback;
  const std::string& v = it->second;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return InvalidArgumentf("invalid value for {}: {:?} is not an integer", key, v);
  }
  return value;
}

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

const std::string& Request::Param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

absl::StatusOr<nlohmann::json> Request::JsonBody(nlohmann::json empty_value) const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return empty_value;
  nlohmann::json value = nlohmann::json::parse(body, nullptr, false);
  if (value.is_discarded())
    return InvalidArgumentf("invalid JSON: the request body does not parse");
  return value;
}

absl::StatusOr<size_t> Request::ReadBody(char* buf, size_t n) {
  if (!body_reader) return 0;
  return body_reader(buf, n);
}

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace berth::engined::http

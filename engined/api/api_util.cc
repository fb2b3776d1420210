#include "engined/api/api_util.h"

#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::api {

void Reply(http::ResponseWriter& w, const absl::Status& status, int ok_status) {
  if (status.ok()) {
    w.NoBody(ok_status);
  } else {
    w.Error(status);
  }
}

absl::StatusOr<std::optional<int>> OptionalInt(const http::Request& r, const std::string& key) {
  std::string v = r.Query(key);
  if (v.empty()) return std::optional<int>();
  std::optional<int64_t> n = ParseInt64(v);
  if (!n.has_value() || *n < INT32_MIN || *n > INT32_MAX) {
    return InvalidArgumentf("invalid value for {}: {:?}", key, v);
  }
  return std::optional<int>(static_cast<int>(*n));
}

absl::StatusOr<int> RequiredInt(const http::Request& r, const std::string& key, int lo, int hi) {
  std::string v = r.Query(key);
  std::optional<int64_t> n = ParseInt64(v);
  if (!n.has_value() || *n < lo || *n > hi) {
    return InvalidArgumentf("invalid value for {}: {:?}", key, v);
  }
  return static_cast<int>(*n);
}

}  // namespace berth::engined::api

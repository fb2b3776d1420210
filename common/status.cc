#include "common/status.h"

#include <cstring>

#include <string>

#include "absl/strings/cord.h"
#include "common/strings.h"

namespace berth {
namespace {
constexpr std::string_view kErrnoPayloadUrl = "berth.dev/errno";
}  // namespace

absl::Status ErrnoStatus(int errno_value, std::string_view what) {
  char buf[128];
  // GNU strerror_r returns the message, possibly not in buf.
  const char* text = strerror_r(errno_value, buf, sizeof(buf));
  absl::Status status(absl::ErrnoToStatusCode(errno_value), fmt::format("{}: {}", what, text));
  status.SetPayload(ToAbsl(kErrnoPayloadUrl), absl::Cord(std::to_string(errno_value)));
  return status;
}

std::optional<int> ErrnoOf(const absl::Status& status) {
  auto payload = status.GetPayload(ToAbsl(kErrnoPayloadUrl));
  if (!payload) return std::nullopt;
  std::optional<int64_t> value = ParseInt64(std::string(*payload));
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

absl::Status WithContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  absl::Status out(status.code(), fmt::format("{}: {}", context, ToStd(status.message())));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace berth

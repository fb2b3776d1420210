#include "common/id.h"

#include <cctype>

#include "common/status.h"

namespace berth {

absl::Status ValidateRuntimeId(std::string_view id) {
  if (id.empty()) return InvalidArgumentf("container id cannot be empty");
  if (id.size() > 1024) return InvalidArgumentf("invalid container id: longer than 1024 bytes");
  if (id == "." || id == "..") return InvalidArgumentf("invalid container id: {:?}", id);
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '+' &&
        c != '-' && c != '.') {
      return InvalidArgumentf("invalid container id {:?}: only [A-Za-z0-9_+.-] allowed", id);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateContainerdId(std::string_view id) {
  constexpr size_t kMaxLength = 76;
  if (id.empty()) return InvalidArgumentf("identifier must not be empty");
  if (id.size() > kMaxLength) {
    return InvalidArgumentf("identifier {:?} greater than maximum length ({} characters)", id,
                            kMaxLength);
  }
  bool previous_separator = true;  // a leading separator is invalid
  for (char c : id) {
    bool alnum = std::isalnum(static_cast<unsigned char>(c));
    bool separator = c == '.' || c == '_' || c == '-';
    if (!alnum && !separator) {
      return InvalidArgumentf("identifier {:?} must match [A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*",
                              id);
    }
    if (separator && previous_separator) {
      return InvalidArgumentf("identifier {:?} must match [A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*",
                              id);
    }
    previous_separator = separator;
  }
  if (previous_separator) {
    return InvalidArgumentf("identifier {:?} must match [A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*", id);
  }
  return absl::OkStatus();
}

}  // namespace berth

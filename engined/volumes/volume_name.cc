#include "engined/volumes/volume_name.h"

#include <sys/random.h>

#include <cstdint>

#include "common/status.h"

namespace berth::engined::volumes {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

absl::Status ValidateVolumeName(std::string_view name) {
  bool ok = name.size() >= 2 && IsAlnum(name[0]);
  for (size_t i = 1; ok && i < name.size(); ++i) {
    char c = name[i];
    ok = IsAlnum(c) || c == '_' || c == '.' || c == '-';
  }
  if (ok) return absl::OkStatus();
  return InvalidArgumentf(
      "\"{}\" includes invalid characters for a local volume name, only "
      "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use "
      "absolute path",
      name);
}

std::string GenerateVolumeName() {
  static constexpr char kHex[] = "0123456789abcdef";
  uint8_t bytes[32];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string out;
  out.reserve(64);
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace berth::engined::volumes

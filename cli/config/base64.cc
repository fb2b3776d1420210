#include "cli/config/base64.h"

#include <array>
#include <cstdint>

#include "common/status.h"

namespace berth::cli::config {

namespace {

constexpr char kStdChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char* Chars(Base64Alphabet alphabet) {
  return alphabet == Base64Alphabet::kUrl ? kUrlChars : kStdChars;
}

}  // namespace

std::string Base64Encode(std::string_view data, Base64Alphabet alphabet) {
  const char* chars = Chars(alphabet);
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(data[i])) << 16 |
                 static_cast<uint32_t>(static_cast<uint8_t>(data[i + 1])) << 8 |
                 static_cast<uint32_t>(static_cast<uint8_t>(data[i + 2]));
    out += chars[(v >> 18) & 63];
    out += chars[(v >> 12) & 63];
    out += chars[(v >> 6) & 63];
    out += chars[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(data[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(data[i + 1])) << 8;
    out += chars[(v >> 18) & 63];
    out += chars[(v >> 12) & 63];
    out += rest == 2 ? chars[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text, Base64Alphabet alphabet) {
  std::array<int, 256> value;
  value.fill(-1);
  const char* chars = Chars(alphabet);
  for (int i = 0; i < 64; ++i) value[static_cast<uint8_t>(chars[i])] = i;

  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return InvalidArgumentf("invalid base64: bad length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value[static_cast<uint8_t>(c)];
    if (v < 0) return InvalidArgumentf("invalid base64: unexpected character '{}'", c);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace berth::cli::config

#include "shim/log/json_log_escape.h"

#include <array>
#include <cstdint>

namespace berth::shim::logs {
namespace {

// Bytes copied as they are: printable ASCII but for the escaped ones.
constexpr std::array<bool, 256> MakePlainTable() {
  std::array<bool, 256> plain{};
  for (int b = 0x20; b < 0x80; ++b) plain[b] = true;
  for (unsigned char b : {'"', '\\', '<', '>', '&'}) plain[b] = false;
  return plain;
}
constexpr std::array<bool, 256> kPlain = MakePlainTable();

// The length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 when
// Go's utf8.DecodeRune would return (RuneError, 1): overlong forms,
// surrogates, values past U+10FFFF and truncated sequences.
size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  unsigned char lead = p[0];
  size_t size;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    size = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    size = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    size = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < size) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < size; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return size;
}

}  // namespace

void AppendJsonLogEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;  // start of the bytes not yet copied
  auto flush_run = [&] { out->append(reinterpret_cast<const char*>(run), p - run); };

  while (p < end) {
    unsigned char b = *p;
    if (kPlain[b]) {
      ++p;
      continue;
    }
    if (b < 0x80) {
      flush_run();
      switch (b) {
        case '"':
        case '\\':
          out->push_back('\\');
          out->push_back(static_cast<char>(b));
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        default:
          out->append("\\u00");
          out->push_back(kHex[b >> 4]);
          out->push_back(kHex[b & 0xF]);
      }
      run = ++p;
      continue;
    }
    size_t size = Utf8SequenceLength(p, end);
    if (size == 0) {
      flush_run();
      out->append("\\ufffd");
      run = ++p;
    } else if (size == 3 && b == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
      // U+2028 and U+2029 end lines in JavaScript.
      flush_run();
      out->append("\\u202");
      out->push_back(kHex[p[2] & 0xF]);
      run = p += 3;
    } else {
      p += size;
    }
  }
  flush_run();
}

}  // namespace berth::shim::logs

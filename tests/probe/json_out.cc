#include "tests/probe/json_out.h"

#include <errno.h>
#include <unistd.h>

#include <cstdio>

namespace berth::probe {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8Length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8Length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out += "\"";
  return out;
}

Object& Object::Raw(std::string_view key, std::string_view json) {
  if (!body_.empty()) body_ += ",";
  body_ += Quote(key);
  body_ += ":";
  body_ += json;
  return *this;
}

Object& Object::Int(std::string_view key, int64_t value) { return Raw(key, std::to_string(value)); }

Object& Object::Uint(std::string_view key, uint64_t value) {
  return Raw(key, std::to_string(value));
}

Object& Object::Double(std::string_view key, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9f", value);
  return Raw(key, buf);
}

Object& Object::Bool(std::string_view key, bool value) {
  return Raw(key, value ? "true" : "false");
}
Object& Object::Str(std::string_view key, std::string_view value) { return Raw(key, Quote(value)); }
Object& Object::Null(std::string_view key) { return Raw(key, "null"); }
Object& Object::Obj(std::string_view key, const Object& value) { return Raw(key, value.Build()); }
Object& Object::Arr(std::string_view key, const Array& value) { return Raw(key, value.Build()); }

Object& Object::Strs(std::string_view key, const std::vector<std::string>& values) {
  Array array;
  for (const std::string& v : values) array.Str(v);
  return Arr(key, array);
}

Array& Array::Raw(std::string_view json) {
  if (!body_.empty()) body_ += ",";
  body_ += json;
  return *this;
}

Array& Array::Int(int64_t value) { return Raw(std::to_string(value)); }
Array& Array::Str(std::string_view value) { return Raw(Quote(value)); }
Array& Array::Obj(const Object& value) { return Raw(value.Build()); }

int Print(const Object& object) {
  std::string line = object.Build() + "\n";
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

}  // namespace berth::probe

// A minimal JSON writer for the probe, which links nothing but libc and
// libstdc++ (no nlohmann, no abseil) to stay a small static binary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::probe {

// `s` as a JSON string literal, quotes included. Control characters are
// escaped and bytes that are not valid UTF-8 become U+FFFD, so the output
// always parses.
std::string Quote(std::string_view s);

class Array;

class Object {
 public:
  Object& Int(std::string_view key, int64_t value);
  Object& Uint(std::string_view key, uint64_t value);
  Object& Double(std::string_view key, double value);
  Object& Bool(std::string_view key, bool value);
  Object& Str(std::string_view key, std::string_view value);
  Object& Null(std::string_view key);
  Object& Obj(std::string_view key, const Object& value);
  Object& Arr(std::string_view key, const Array& value);
  Object& Strs(std::string_view key, const std::vector<std::string>& values);

  std::string Build() const { return "{" + body_ + "}"; }

 private:
  Object& Raw(std::string_view key, std::string_view json);
  std::string body_;
};

class Array {
 public:
  Array& Int(int64_t value);
  Array& Str(std::string_view value);
  Array& Obj(const Object& value);

  std::string Build() const { return "[" + body_ + "]"; }

 private:
  Array& Raw(std::string_view json);
  std::string body_;
};

// Writes the object and a newline to stdout. Returns the process exit code:
// 0, or 1 when stdout cannot be written.
int Print(const Object& object);

}  // namespace berth::probe

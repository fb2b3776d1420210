#include "shim/log/json_log_escape.h"

#include <catch2/catch.hpp>
#include <string>

namespace berth::shim::logs {
namespace {

std::string Escaped(std::string_view s) {
  std::string out;
  AppendJsonLogEscaped(s, &out);
  return out;
}

// Expectations follow moby's jsonlog/jsonlogbytes_test.go and its
// ffjsonWriteJSONBytesAsString.
TEST_CASE("escaping copies plain text", "[json_log_escape]") {
  CHECK(Escaped("") == "");
  CHECK(Escaped("A log line") == "A log line");
  CHECK(Escaped("utf8: \xF0\x9F\x9A\x80 \xCF\x88 \xCF\x89") ==
        "utf8: \xF0\x9F\x9A\x80 \xCF\x88 \xCF\x89");
  CHECK(Escaped("\x7F") == "\x7F");                  // DEL is not a control character to Go
  CHECK(Escaped("\xEF\xBF\xBD") == "\xEF\xBF\xBD");  // a real U+FFFD stays as it is
  CHECK(Escaped("'/") == "'/");
}

TEST_CASE("escaping quotes, backslashes and control bytes", "[json_log_escape]") {
  CHECK(Escaped(R"("A log line with \")") == R"(\"A log line with \\\")");
  CHECK(Escaped("a\nb\rc") == R"(a\nb\rc)");
  // Only \n and \r get a short form; tab and the rest are \u00XX.
  CHECK(Escaped("\t\b\f") == R"(\u0009\u0008\u000c)");
  CHECK(Escaped(std::string_view("\x00\x01\x1f", 3)) == R"(\u0000\u0001\u001f)");
}

TEST_CASE("escaping HTML characters as docker does", "[json_log_escape]") {
  CHECK(Escaped("A log line with & < >") == R"(A log line with \u0026 \u003c \u003e)");
}

TEST_CASE("escaping U+2028 and U+2029", "[json_log_escape]") {
  CHECK(Escaped("\xE2\x80\xA8 \xE2\x80\xA9") == R"(\u2028 \u2029)");
  CHECK(Escaped("\xE2\x80\xAA") == "\xE2\x80\xAA");  // U+202A is left alone
}

TEST_CASE("escaping invalid UTF-8 one byte at a time", "[json_log_escape]") {
  CHECK(Escaped("\xAF") == R"(\ufffd)");
  CHECK(Escaped("a\xFF"
                "b") == R"(a\ufffdb)");
  // A truncated sequence: each byte is an error of its own.
  CHECK(Escaped("\xE2\x82") == R"(\ufffd\ufffd)");
  CHECK(Escaped("\xE2\x82"
                "x") == R"(\ufffd\ufffdx)");
  // Overlong encodings.
  CHECK(Escaped("\xC0\xAF") == R"(\ufffd\ufffd)");
  CHECK(Escaped("\xE0\x80\xAF") == R"(\ufffd\ufffd\ufffd)");
  // A UTF-16 surrogate (U+D800) and a value past U+10FFFF.
  CHECK(Escaped("\xED\xA0\x80") == R"(\ufffd\ufffd\ufffd)");
  CHECK(Escaped("\xF4\x90\x80\x80") == R"(\ufffd\ufffd\ufffd\ufffd)");
  // The edges of the valid ranges.
  CHECK(Escaped("\xC2\x80") == "\xC2\x80");
  CHECK(Escaped("\xED\x9F\xBF") == "\xED\x9F\xBF");
  CHECK(Escaped("\xF4\x8F\xBF\xBF") == "\xF4\x8F\xBF\xBF");
  CHECK(Escaped("\xF0\x90\x80\x80") == "\xF0\x90\x80\x80");
}

TEST_CASE("escaping appends to what is there", "[json_log_escape]") {
  std::string out = "{";
  AppendJsonLogEscaped("<", &out);
  CHECK(out == R"({\u003c)");
}

}  // namespace
}  // namespace berth::shim::logs

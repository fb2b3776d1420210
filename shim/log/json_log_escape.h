// JSON string escaping exactly as docker's json-file driver writes the "log"
// field (moby daemon/logger/jsonfilelog/jsonlog/jsonlogbytes.go,
// ffjsonWriteJSONBytesAsString), so files read the same as docker's.
#pragma once

#include <string>
#include <string_view>

namespace berth::shim::logs {

// Appends `s` escaped for a JSON string (no quotes): '"' and '\\' backslashed, \n and \r as
// such, other control bytes and the HTML characters < > & as \u00XX, U+2028
// and U+2029 as \u2028 / \u2029, and each byte that is not part of valid
// UTF-8 (by Go's utf8.DecodeRune) as \ufffd. Everything else is copied.
void AppendJsonLogEscaped(std::string_view s, std::string* out);

}  // namespace berth::shim::logs

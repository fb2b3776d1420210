// Shared by the log writer tests: a fixed clock and file helpers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "shim/log/log_writer.h"
#include "tests/testutil/status_testing.h"

namespace berth::shim::logs::testing {

// 2026-12-02T06:12:12Z
inline constexpr int64_t kEpochSeconds = 1796191932;

inline LogTime At(int64_t seconds, int64_t nanos = 0) {
  return LogTime(std::chrono::duration_cast<LogTime::duration>(std::chrono::seconds(seconds) +
                                                               std::chrono::nanoseconds(nanos)));
}

// 2026-12-02T06:12:12.123456789Z, the time most tests write at.
inline LogTime Now() { return At(kEpochSeconds, 123456789); }
inline constexpr std::string_view kNowText = "2026-12-02T06:12:12.123456789Z";

inline std::string Contents(const std::string& path) {
  return berth::testing::ValueOrFail(ReadFile(path));
}

// The file's lines, each without its '\n'; a missing final newline fails.
inline std::vector<std::string> Lines(const std::string& path) {
  std::string text = Contents(path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    INFO(path << " does not end in a newline");
    REQUIRE(end != std::string::npos);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace berth::shim::logs::testing

// One record of a container's json-file log as berthd hands it on.
#pragma once

#include <cstdint>
#include <string>

namespace berth::engined::logs {

// The values are docker's stdcopy stream ids, so a record's stream is its
// frame header byte.
enum class LogStream : uint8_t { kStdout = 1, kStderr = 2 };

struct LogRecord {
  LogStream stream = LogStream::kStdout;
  // The decoded "log" string: a line with its '\n', or a part of a long
  // (or unterminated) line without one.
  std::string payload;
  int64_t time_nanos = 0;  // since the Unix epoch
};

}  // namespace berth::engined::logs

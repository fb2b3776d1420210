// One line of docker's json-file format:
//   {"log":"hello\n","stream":"stdout","time":"2026-12-02T06:12:12.123456789Z"}
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "engined/logs/log_record.h"

namespace berth::engined::logs {

// Parses a line without its '\n'. InvalidArgument for anything that is not
// such an object (a torn write, a foreign line); "attrs" is ignored.
absl::StatusOr<LogRecord> ParseJsonLogLine(std::string_view line);

}  // namespace berth::engined::logs

#include "engined/logs/log_format.h"

#include <cstdint>
#include <utility>

#include "engined/http/http.h"
#include "engined/logs/time_parse.h"

namespace berth::engined::logs {
namespace {
constexpr int kSystemErr = 3;
}  // namespace

std::string FormatLogRecord(const LogRecord& record, const LogFormatOptions& options) {
  std::string line;
  if (options.timestamps) {
    line = FormatTimestampFixed(record.time_nanos);
    line.push_back(' ');
  }
  line.append(record.payload);
  if (options.tty) return line;
  return http::MultiplexFrame(static_cast<int>(record.stream), line);
}

std::string FormatLogError(std::string_view message, const LogFormatOptions& options) {
  std::string line = "Error grabbing logs: ";
  line.append(message);
  line.push_back('\n');
  if (options.tty) return line;
  return http::MultiplexFrame(kSystemErr, line);
}

LogSink FormattingSink(LogFormatOptions options, std::function<bool(std::string_view)> write) {
  return [options, write = std::move(write)](const LogRecord& record) {
    return write(FormatLogRecord(record, options));
  };
}

}  // namespace berth::engined::logs

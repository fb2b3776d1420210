#include "engined/logs/record_filter.h"

#include "common/logger.h"
#include "common/strings.h"
#include "engined/logs/json_log_line.h"

namespace berth::engined::logs {

bool RecordFilter::Line(std::string_view line, const std::string& path) {
  absl::StatusOr<LogRecord> record = ParseJsonLogLine(line);
  if (!record.ok()) {
    log::Warnf("{}: skipping a corrupt log line ({} bytes): {}", path, line.size(),
               ToStd(record.status().message()));
    return true;
  }
  if (options_.since_nanos && record->time_nanos < *options_.since_nanos) return true;
  if (options_.until_nanos && record->time_nanos > *options_.until_nanos) return false;
  bool wanted = record->stream == LogStream::kStdout ? options_.show_stdout : options_.show_stderr;
  if (!wanted) return true;
  return sink_(*record);
}

void RecordFilter::DropTorn(std::string* pending, const std::string& path) {
  if (pending->empty()) return;
  log::Warnf("{}: skipping an unterminated log line ({} bytes)", path, pending->size());
  pending->clear();
}

}  // namespace berth::engined::logs

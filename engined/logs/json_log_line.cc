#include "engined/logs/json_log_line.h"

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "engined/logs/time_parse.h"

namespace berth::engined::logs {

absl::StatusOr<LogRecord> ParseJsonLogLine(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentf("not a JSON object");
  LogRecord record;
  // "log" is omitempty in docker's writer.
  if (auto it = j.find("log"); it != j.end()) {
    if (!it->is_string()) return InvalidArgumentf("log: not a string");
    record.payload = it->get<std::string>();
  }
  auto stream = j.find("stream");
  if (stream == j.end() || !stream->is_string()) return InvalidArgumentf("stream: missing");
  const std::string& name = stream->get_ref<const std::string&>();
  if (name == "stdout") {
    record.stream = LogStream::kStdout;
  } else if (name == "stderr") {
    record.stream = LogStream::kStderr;
  } else {
    return InvalidArgumentf("stream: unknown stream {:?}", name);
  }
  auto time = j.find("time");
  if (time == j.end() || !time->is_string()) return InvalidArgumentf("time: missing");
  absl::StatusOr<int64_t> nanos = ParseRecordTime(time->get_ref<const std::string&>());
  if (!nanos.ok()) return WithContext(nanos.status(), "time");
  record.time_nanos = *nanos;
  return record;
}

}  // namespace berth::engined::logs

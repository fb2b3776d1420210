#include "shim/log/json_file_writer.h"

#include <utility>

#include "common/status.h"
#include "shim/log/json_log_escape.h"

namespace berth::shim::logs {

JsonFileWriter::JsonFileWriter(LogFile file)
    : LineLogWriter(std::move(file), SplitStyle::kDocker) {}

absl::StatusOr<std::unique_ptr<JsonFileWriter>> JsonFileWriter::Open(std::string path,
                                                                     LogFile::Limits limits) {
  BERTH_ASSIGN_OR_RETURN(LogFile file, LogFile::Open(std::move(path), limits));
  return std::unique_ptr<JsonFileWriter>(new JsonFileWriter(std::move(file)));
}

void JsonFileWriter::FormatRecord(Stream stream, const LineRecord& record, RecordTime& now,
                                  std::string* out) {
  std::string& line_time = line_time_[static_cast<size_t>(stream)];
  if (!record.continued) line_time.assign(now.Text());

  // The field order and the '\n' only on a line's last record are docker's
  // (marshalMessage, JSONLogs.MarshalJSONBuf); the splitter never emits an
  // empty partial, so "log" (omitempty) is always there.
  out->append(R"({"log":")");
  AppendJsonLogEscaped(record.content, out);
  if (record.complete) out->append(R"(\n)");
  out->append(R"(","stream":")");
  out->append(StreamName(stream));
  out->append(R"(","time":")");
  out->append(line_time);
  out->append("\"}\n");
}

}  // namespace berth::shim::logs

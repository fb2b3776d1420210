// docker's json-file log driver, byte for byte: one JSON object per record,
//   {"log":"hello\n","stream":"stdout","time":"2026-12-02T06:12:12.123456789Z"}
// (moby daemon/logger/jsonfilelog/jsonfilelog.go and jsonlog/jsonlogbytes.go),
// lines cut every 16 KiB as docker's copier does, with max-size / max-file
// rotation.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "shim/log/line_log_writer.h"
#include "shim/log/log_file.h"

namespace berth::shim::logs {

class JsonFileWriter final : public LineLogWriter {
 public:
  static absl::StatusOr<std::unique_ptr<JsonFileWriter>> Open(std::string path,
                                                              LogFile::Limits limits);

 private:
  explicit JsonFileWriter(LogFile file);

  void FormatRecord(Stream stream, const LineRecord& record, RecordTime& now,
                    std::string* out) override;

  // Per stream: docker stamps every part of a cut line with the time of its
  // first part.
  std::array<std::string, 2> line_time_;
};

}  // namespace berth::shim::logs

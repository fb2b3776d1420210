// The Kubernetes CRI container log format that kubelet reads:
//   2026-12-02T06:12:12.123456789Z stdout F hello
// one record per line, tag F for a whole line (or its last part) and P for a
// part, as containerd's CRI logger writes it (internal/cri/io/logger.go).
// kubelet rotates these files itself and then calls ReopenContainerLog, which
// is Reopen() here.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "shim/log/line_log_writer.h"
#include "shim/log/log_file.h"

namespace berth::shim::logs {

class CriLogWriter final : public LineLogWriter {
 public:
  static absl::StatusOr<std::unique_ptr<CriLogWriter>> Open(std::string path,
                                                            LogFile::Limits limits);

 private:
  explicit CriLogWriter(LogFile file);

  void FormatRecord(Stream stream, const LineRecord& record, RecordTime& now,
                    std::string* out) override;
};

}  // namespace berth::shim::logs

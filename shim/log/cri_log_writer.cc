#include "shim/log/cri_log_writer.h"

#include <utility>

#include "common/status.h"

namespace berth::shim::logs {

CriLogWriter::CriLogWriter(LogFile file)
    : LineLogWriter(std::move(file), SplitStyle::kContainerd) {}

absl::StatusOr<std::unique_ptr<CriLogWriter>> CriLogWriter::Open(std::string path,
                                                                 LogFile::Limits limits) {
  BERTH_ASSIGN_OR_RETURN(LogFile file, LogFile::Open(std::move(path), limits));
  return std::unique_ptr<CriLogWriter>(new CriLogWriter(std::move(file)));
}

// containerd stamps each record (each part of a cut line too) with the time
// it is written, and copies the content as it is.
void CriLogWriter::FormatRecord(Stream stream, const LineRecord& record, RecordTime& now,
                                std::string* out) {
  out->append(now.Text());
  out->push_back(' ');
  out->append(StreamName(stream));
  out->append(record.complete ? " F " : " P ");
  out->append(record.content);
  out->push_back('\n');
}

}  // namespace berth::shim::logs

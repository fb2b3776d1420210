// The part the json-file and CRI writers share: a line splitter per stream,
// the file, and one batched write per call. A subclass only says how one
// record looks.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "shim/log/line_splitter.h"
#include "shim/log/log_file.h"
#include "shim/log/log_writer.h"

namespace berth::shim::logs {

// `now` as RFC 3339 with nanoseconds, formatted on first use: a chunk that
// completes no record (a byte-at-a-time writer) does not pay for it.
class RecordTime {
 public:
  explicit RecordTime(LogTime now) : now_(now) {}
  std::string_view Text();

 private:
  LogTime now_;
  std::string text_;
};

// Go's time.RFC3339Nano of `t` in UTC: "2026-12-02T06:12:12.1234Z", the
// fraction's trailing zeros (and an all-zero fraction) dropped.
std::string FormatLogTime(LogTime t);

class LineLogWriter : public LogWriter {
 public:
  absl::Status Write(Stream stream, std::string_view data, LogTime now) final;
  absl::Status CloseStream(Stream stream, LogTime now) final;
  absl::Status Reopen() final;

  const std::string& path() const { return file_.path(); }

 protected:
  LineLogWriter(LogFile file, SplitStyle style);

  // Appends one record, newline included, to `out`.
  virtual void FormatRecord(Stream stream, const LineRecord& record, RecordTime& now,
                            std::string* out) = 0;

 private:
  // Runs `feed` (which drives the stream's splitter) and writes what it emits.
  template <typename Feed>
  absl::Status Emit(Stream stream, LogTime now, Feed&& feed);

  LogFile file_;
  std::array<LineSplitter, 2> splitters_;
};

}  // namespace berth::shim::logs

#include "shim/log/line_log_writer.h"

#include <time.h>

#include <utility>

#include "common/time_util.h"

namespace berth::shim::logs {

std::string FormatLogTime(LogTime t) {
  int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = nanos / 1000000000;
  int64_t frac = nanos % 1000000000;
  if (frac < 0) {  // before 1970: the fraction counts forward from a whole second
    frac += 1000000000;
    --secs;
  }
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(secs);
  ts.tv_nsec = static_cast<long>(frac);
  return FormatRfc3339Nano(ts);
}

std::string_view RecordTime::Text() {
  if (text_.empty()) text_ = FormatLogTime(now_);
  return text_;
}

LineLogWriter::LineLogWriter(LogFile file, SplitStyle style)
    : file_(std::move(file)), splitters_{LineSplitter(style), LineSplitter(style)} {}

template <typename Feed>
absl::Status LineLogWriter::Emit(Stream stream, LogTime now, Feed&& feed) {
  RecordTime time(now);
  absl::Status status;
  std::forward<Feed>(feed)(splitters_[static_cast<size_t>(stream)], [&](const LineRecord& record) {
    // After a failed write the rest of the call is dropped, but the splitter
    // still runs so the stream's state stays right for the next call.
    if (!status.ok()) return;
    size_t begin = file_.batch()->size();
    FormatRecord(stream, record, time, file_.batch());
    status = file_.EndRecord(begin);
  });
  if (!status.ok()) return status;
  return file_.Flush();
}

absl::Status LineLogWriter::Write(Stream stream, std::string_view data, LogTime now) {
  return Emit(stream, now, [data](LineSplitter& splitter, LineSplitter::Emit emit) {
    splitter.Feed(data, emit);
  });
}

absl::Status LineLogWriter::CloseStream(Stream stream, LogTime now) {
  return Emit(stream, now,
              [](LineSplitter& splitter, LineSplitter::Emit emit) { splitter.Finish(emit); });
}

absl::Status LineLogWriter::Reopen() { return file_.Reopen(); }

}  // namespace berth::shim::logs

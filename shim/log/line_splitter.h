// Cuts one stream's bytes into log records: one per line, and several for a
// line longer than the record limit. Only a line that is still open is
// copied (and at most one record's worth of it); complete lines are handed
// out as views into the caller's data.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace berth::shim::logs {

enum class SplitStyle {
  // docker's copier (moby daemon/logger/copier.go): a record is cut whenever
  // max_len bytes of a line are buffered, so a line of exactly max_len bytes
  // gives a full partial record and then one holding only the newline. '\r'
  // is content.
  kDocker,
  // containerd's CRI logger (internal/cri/io/logger.go, redirectLogs): only
  // a line longer than max_len is cut, and "\r\n" ends a line as "\n" does.
  kContainerd,
};

struct LineRecord {
  std::string_view content;  // without the line end
  bool complete;             // the line ended here (vs. cut, or open at EOF)
  bool continued;            // earlier records of this line were already emitted
};

class LineSplitter {
 public:
  // Both docker (copier defaultBufSize) and containerd
  // (MaxContainerLogLineSize) cut at 16 KiB.
  static constexpr size_t kDefaultMaxLen = 16 * 1024;

  using Emit = absl::FunctionRef<void(const LineRecord&)>;

  explicit LineSplitter(SplitStyle style, size_t max_len = kDefaultMaxLen);

  // Emits the records `data` completes; the record views are valid only
  // during the call.
  void Feed(std::string_view data, Emit emit);
  // End of stream: emits what is left of an open line as partial records.
  void Finish(Emit emit);

  // Bytes of the open line held back.
  size_t pending() const { return pending_.size(); }

 private:
  // `data` holds no newline: cuts what is certain to be cut and keeps the rest.
  void FeedOpen(std::string_view data, Emit emit);
  // `content` is a whole line (or its last part) without the '\n'.
  void EndLine(std::string_view content, Emit emit);
  void EmitPartial(std::string_view content, Emit emit);
  // Whether `size` bytes of a line whose end has been seen need a cut.
  bool MustCut(size_t size) const;
  // Same for a line still open, `data` following `pending_`: a trailing '\r'
  // might still turn out to be half of a "\r\n" (containerd).
  bool MustCutOpen(std::string_view data) const;

  SplitStyle style_;
  size_t max_len_;
  std::string pending_;
  bool continued_ = false;
};

}  // namespace berth::shim::logs

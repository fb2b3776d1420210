// What happens to each line the reader finds: parsed, skipped when corrupt
// (with a warning naming the file), filtered by since / until / stream, and
// handed to the sink. Internal to the reader and the follower.
#pragma once

#include <string>
#include <string_view>

#include "engined/logs/log_reader.h"

namespace berth::engined::logs {

class RecordFilter {
 public:
  RecordFilter(const LogReadOptions& options, const LogSink& sink)
      : options_(options), sink_(sink) {}

  // False once the read is over: the sink said so, or a record passed `until`.
  bool Line(std::string_view line, const std::string& path);

  // A line left without its '\n' where no more bytes will come (a rotated
  // file, or the writer is gone): a torn write, reported and dropped.
  void DropTorn(std::string* pending, const std::string& path);

 private:
  const LogReadOptions& options_;
  const LogSink& sink_;
};

}  // namespace berth::engined::logs

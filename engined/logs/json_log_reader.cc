// ReadLogs: the existing records (rotated files oldest first, then the live
// one), then, when asked, the follower.
#include <utility>

#include "common/logger.h"
#include "common/status.h"
#include "engined/logs/log_files.h"
#include "engined/logs/log_follower.h"
#include "engined/logs/log_reader.h"
#include "engined/logs/record_filter.h"

namespace berth::engined::logs {

absl::Status ReadLogs(const LogReadOptions& options, const LogSink& sink) {
  if (options.path.empty()) return InvalidArgumentf("read logs: no log path");
  if (options.max_files < 1) {
    return InvalidArgumentf("read logs {}: max files {} is below 1", options.path,
                            options.max_files);
  }
  BERTH_ASSIGN_OR_RETURN(LogChain chain, OpenLogChain(options.path, options.max_files));
  if (options.tail >= 0) BERTH_RETURN_IF_ERROR(SeekTail(&chain, options.tail));

  RecordFilter filter(options, sink);
  std::string pending;
  auto read = [&](LogFileHandle& file) -> absl::StatusOr<bool> {
    return ReadLines(&file, &pending,
                     [&](std::string_view line) { return filter.Line(line, file.path); });
  };
  for (LogFileHandle& file : chain.rotated) {
    BERTH_ASSIGN_OR_RETURN(bool more, read(file));
    if (!more) return absl::OkStatus();
    // Nothing is appended to a rotated file: what lacks a '\n' is torn.
    filter.DropTorn(&pending, file.path);
  }
  if (chain.live) {
    BERTH_ASSIGN_OR_RETURN(bool more, read(*chain.live));
    if (!more) return absl::OkStatus();
  }
  if (!options.follow) {
    // The shim is in the middle of writing this line; it is not a record yet.
    if (!pending.empty()) {
      log::Debugf("{}: leaving out a log line still being written", options.path);
    }
    return absl::OkStatus();
  }
  return FollowLog(options, std::move(chain.live), std::move(pending), &filter);
}

}  // namespace berth::engined::logs

// The follow half of ReadLogs: waits on inotify for the live file to grow,
// notices the shim's rotation (the file renamed to .1 or unlinked, a new one
// created), finishes the old file and goes on with the next, and returns
// when the caller's stop condition holds and everything is read.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "engined/logs/log_files.h"
#include "engined/logs/log_reader.h"
#include "engined/logs/record_filter.h"

namespace berth::engined::logs {

// `current` is the live file as the reader left it (nullopt when there was
// none), `pending` the unterminated bytes at its end.
absl::Status FollowLog(const LogReadOptions& options, std::optional<LogFileHandle> current,
                       std::string pending, RecordFilter* filter);

}  // namespace berth::engined::logs

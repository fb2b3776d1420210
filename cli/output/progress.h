// The JSON message stream of pull, push, load and build, shown as docker
// shows it (moby pkg/jsonmessage DisplayJSONMessagesStream).
//
// On a terminal each layer keeps one line, rewritten in place: the cursor
// moves up to it (ESC[nA), clears it (ESC[2K), writes "id: status
// progress\r" and moves back down (ESC[nB). The progress bar is built here
// from progressDetail at the terminal's width. Elsewhere, plain lines: a
// message whose progressDetail would draw a bar is skipped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"

namespace berth::cli::output {

class ProgressPrinter {
 public:
  // `width`: the terminal's columns; 0 asks `out`'s terminal (200 when that
  // fails, as docker). Writes and flushes `out` once per message.
  ProgressPrinter(std::FILE* out, bool terminal, int width = 0);

  // Shows one decoded message. "aux" messages are ignored; a message with
  // "errorDetail" (or "error") returns Unknown with its message, which the
  // command prints.
  absl::Status Add(const nlohmann::json& message);

  // Seam for tests: the clock (Unix nanoseconds) of the time-left estimate.
  void SetClockForTest(std::function<int64_t()> now_nanos) { now_ = std::move(now_nanos); }

 private:
  // JSONProgress.String(): "[====>   ]  1.2MB/2.4MB 3s".
  std::string ProgressString(const nlohmann::json& detail) const;
  int Width() const;

  std::FILE* out_;
  bool terminal_;
  int width_;
  std::map<std::string, unsigned> ids_;  // layer id -> its line, counted from the first
  std::function<int64_t()> now_;
};

}  // namespace berth::cli::output

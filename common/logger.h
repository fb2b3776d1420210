// A small process-wide logger: one line per record, text (logrus style, as
// runc writes) or JSON lines ({"level","msg","time"}), to stderr or a file.
// Each record is written with a single write(2) so lines from several
// processes sharing a log file do not interleave.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace berth::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class Format { kText, kJson };

absl::Status ParseLevel(std::string_view name, Level* out);
absl::Status ParseFormat(std::string_view name, Format* out);

// Sends records to `fd` (not owned unless `owned`); the default is stderr,
// text, level info.
void SetOutput(int fd, bool owned);
// Opens `path` for appending (created 0644) and sends records there.
absl::Status SetOutputFile(const std::string& path);
void SetFormat(Format format);
void SetLevel(Level level);
Level GetLevel();
Format GetFormat();
int OutputFd();

void Write(Level level, std::string_view message);
// Formats one record without writing it (for tests and for callers that
// need the line itself).
std::string FormatRecord(Level level, std::string_view message, Format format);

template <typename... Args>
void Debugf(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kDebug) Write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Infof(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kInfo) Write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Warnf(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kWarning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Errorf(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace berth::log

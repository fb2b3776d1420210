#include "common/logger.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>

#include "common/json_util.h"
#include "common/status.h"
#include "common/time_util.h"

namespace berth::log {
namespace {

std::atomic<int> g_fd{STDERR_FILENO};
std::atomic<bool> g_owned{false};
std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

// logrus quotes a value when it holds anything but [A-Za-z0-9-._/@^+].
std::string QuoteText(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

absl::Status ParseLevel(std::string_view name, Level* out) {
  if (name == "debug" || name == "trace") {
    *out = Level::kDebug;
  } else if (name == "info") {
    *out = Level::kInfo;
  } else if (name == "warn" || name == "warning") {
    *out = Level::kWarning;
  } else if (name == "error" || name == "fatal" || name == "panic") {
    *out = Level::kError;
  } else {
    return InvalidArgumentf("unknown log level {:?} (want debug, info, warn or error)", name);
  }
  return absl::OkStatus();
}

absl::Status ParseFormat(std::string_view name, Format* out) {
  if (name == "text") {
    *out = Format::kText;
  } else if (name == "json") {
    *out = Format::kJson;
  } else {
    return InvalidArgumentf("unknown log format {:?} (want text or json)", name);
  }
  return absl::OkStatus();
}

void SetOutput(int fd, bool owned) {
  int old = g_fd.exchange(fd);
  bool old_owned = g_owned.exchange(owned);
  if (old_owned && old != fd) ::close(old);
}

absl::Status SetOutputFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoErrorf(errno, "open log file {}", path);
  SetOutput(fd, true);
  return absl::OkStatus();
}

void SetFormat(Format format) { g_format = format; }
void SetLevel(Level level) { g_level = level; }
Level GetLevel() { return g_level; }
Format GetFormat() { return g_format; }
int OutputFd() { return g_fd; }

std::string FormatRecord(Level level, std::string_view message, Format format) {
  std::string time = NowRfc3339Nano();
  if (format == Format::kJson) {
    json::Json j = {{"level", LevelName(level)}, {"msg", message}, {"time", time}};
    return json::Dump(j) + "\n";
  }
  return fmt::format("time={:?} level={} msg={}\n", time, LevelName(level), QuoteText(message));
}

void Write(Level level, std::string_view message) {
  if (level < g_level.load()) return;
  std::string line = FormatRecord(level, message, g_format);
  const char* p = line.data();
  size_t left = line.size();
  int fd = g_fd;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a logging failure
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace berth::log

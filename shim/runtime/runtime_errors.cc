#include "shim/runtime/runtime_errors.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::shim {
namespace {

constexpr uint64_t kMaxLogRead = 1 << 20;

bool IsErrorLevel(std::string_view level) {
  return level == "error" || level == "fatal" || level == "panic";
}

// A JSON log record: {level, msg}; nullopt for anything else.
struct Record {
  std::string level;
  std::string msg;
};

std::optional<Record> ParseJsonRecord(std::string_view line) {
  if (line.empty() || line.front() != '{') return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto level = j.find("level");
  auto msg = j.find("msg");
  if (level == j.end() || !level->is_string() || msg == j.end() || !msg->is_string()) {
    return std::nullopt;
  }
  return Record{level->get<std::string>(), msg->get<std::string>()};
}

// The value of `key=` in a logrus text record: quoted with Go escapes, or a
// bare word.
std::optional<std::string> LogrusField(std::string_view line, std::string_view key) {
  std::string needle = std::string(key) + "=";
  size_t pos = 0;
  for (;;) {
    pos = line.find(needle, pos);
    if (pos == std::string_view::npos) return std::nullopt;
    if (pos == 0 || line[pos - 1] == ' ') break;
    pos += needle.size();
  }
  std::string_view rest = line.substr(pos + needle.size());
  if (rest.empty() || rest.front() != '"') return std::string(rest.substr(0, rest.find(' ')));
  std::string value;
  for (size_t i = 1; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '"') return value;
    if (c == '\\' && i + 1 < rest.size()) {
      char e = rest[++i];
      value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
    } else {
      value += c;
    }
  }
  return value;  // unterminated: take what there is
}

std::optional<Record> ParseLogrusRecord(std::string_view line) {
  std::optional<std::string> level = LogrusField(line, "level");
  std::optional<std::string> msg = LogrusField(line, "msg");
  if (!level || !msg) return std::nullopt;
  return Record{*level, *msg};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool ContainsAny(std::string_view text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

std::string ExitText(const ExitStatus& status) {
  if (status.signal != 0) {
    const char* name = sigabbrev_np(status.signal);
    return name ? fmt::format("killed by signal {} (SIG{})", status.signal, name)
                : fmt::format("killed by signal {}", status.signal);
  }
  return fmt::format("exit status {}", status.code);
}

}  // namespace

std::string LastLoggedError(std::string_view log_text) {
  std::string last;
  for (std::string_view line : Split(log_text, '\n', /*skip_empty=*/true)) {
    std::optional<Record> record = ParseJsonRecord(TrimSpace(line));
    if (record && IsErrorLevel(record->level)) last = std::string(TrimSpace(record->msg));
  }
  return last;
}

uint64_t LogOffset(const std::string& path) {
  struct stat st;
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<std::string> ReadLogSince(const std::string& path, uint64_t offset) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::string();
    return ErrnoErrorf(errno, "open runtime log {}", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoErrorf(errno, "stat runtime log {}", path);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset > size) offset = 0;  // truncated or replaced since
  offset = std::max(offset, size > kMaxLogRead ? size - kMaxLogRead : 0);
  std::string text(size - offset, '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t r = ::pread(fd.get(), text.data() + done, text.size() - done,
                        static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ErrnoErrorf(errno, "read runtime log {}", path);
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  text.resize(done);
  return text;
}

std::string MessageFromStderr(std::string_view stderr_text) {
  std::vector<std::string_view> lines = Split(stderr_text, '\n', /*skip_empty=*/true);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string_view line = TrimSpace(*it);
    if (line.empty()) continue;
    std::optional<Record> record = ParseJsonRecord(line);
    if (!record) record = ParseLogrusRecord(line);
    if (!record) return std::string(line);  // plain text, as crun prints
    if (IsErrorLevel(record->level)) return std::string(TrimSpace(record->msg));
  }
  return "";
}

absl::StatusCode CodeForRuntimeMessage(std::string_view message) {
  std::string m = Lower(message);
  if (ContainsAny(m, {"already exists"})) return absl::StatusCode::kAlreadyExists;
  // crun names no container, only the state file it failed to open:
  // "error opening file `/run/crun/ID/status`: No such file or directory".
  if (ContainsAny(m, {"does not exist", "not found", "/status`: no such file"})) {
    return absl::StatusCode::kNotFound;
  }
  if (ContainsAny(m, {"not running", "already running", "not paused", "paused", "stopped",
                      "still being created"})) {
    return absl::StatusCode::kFailedPrecondition;
  }
  return absl::StatusCode::kUnknown;
}

absl::Status RuntimeError(const RuntimeFailure& failure) {
  std::string message = failure.logged_error;
  if (message.empty()) message = MessageFromStderr(failure.stderr_text);
  // runc repeats what we say anyway: "runc create failed: ...".
  std::string redundant = fmt::format("{} {} failed: ", failure.runtime, failure.command);
  if (message.rfind(redundant, 0) == 0) message.erase(0, redundant.size());
  absl::StatusCode code = absl::StatusCode::kUnknown;
  if (message.empty()) {
    message = ExitText(failure.status);
  } else {
    code = CodeForRuntimeMessage(message);
  }
  return absl::Status(code, fmt::format("{} {}: {}", failure.runtime, failure.command, message));
}

}  // namespace berth::shim

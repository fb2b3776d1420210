#include "cli/output/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "common/human_units.h"

namespace berth::cli::output {
namespace {

using json = nlohmann::json;

constexpr const char* kEraseLine = "\x1b[2K";

std::string StringField(const json& m, const char* key) {
  auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t IntField(const json& m, const char* key) {
  auto it = m.find(key);
  return it != m.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// Go's time.Duration.String() for whole seconds: "45s", "1m30s", "1h0m0s".
std::string GoDuration(int64_t seconds) {
  if (seconds == 0) return "0s";
  std::string sign = seconds < 0 ? "-" : "";
  seconds = std::abs(seconds);
  int64_t h = seconds / 3600;
  int64_t m = seconds / 60 % 60;
  int64_t s = seconds % 60;
  if (h > 0) return fmt::format("{}{}h{}m{}s", sign, h, m, s);
  if (m > 0) return fmt::format("{}{}m{}s", sign, m, s);
  return fmt::format("{}{}s", sign, s);
}

}  // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out, bool terminal, int width)
    : out_(out), terminal_(terminal), width_(width), now_([] {
        return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
      }) {}

int ProgressPrinter::Width() const {
  if (width_ != 0) return width_;
  struct winsize ws {};
  if (ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0) return ws.ws_col;
  return 200;
}

std::string ProgressPrinter::ProgressString(const json& detail) const {
  int64_t current = IntField(detail, "current");
  int64_t total = IntField(detail, "total");
  int64_t start = IntField(detail, "start");
  std::string units = StringField(detail, "units");
  auto hide = detail.find("hidecounts");
  bool hide_counts = hide != detail.end() && hide->is_boolean() && hide->get<bool>();

  if (current <= 0 && total <= 0) return "";
  if (total <= 0) {
    if (units.empty()) return fmt::format("{:>8}", HumanSize(static_cast<double>(current)));
    return fmt::format("{} {}", current, units);
  }
  int width = Width();
  int percentage = std::min(
      static_cast<int>(static_cast<double>(current) / static_cast<double>(total) * 100) / 2, 50);
  std::string bar;
  if (width > 110) {  // no bar on narrow terminals
    bar = "[" + std::string(static_cast<size_t>(std::max(percentage, 0)), '=') + ">" +
          std::string(static_cast<size_t>(std::max(50 - percentage, 0)), ' ') + "] ";
  }
  std::string numbers;
  if (hide_counts) {
  } else if (units.empty()) {
    std::string cur = HumanSize(static_cast<double>(current));
    // A current past the total is wonky: the total is not shown.
    numbers = current > total ? fmt::format("{:>8}", cur)
                              : fmt::format("{:>8}/{}", cur, HumanSize(static_cast<double>(total)));
  } else {
    numbers = current > total ? fmt::format("{} {}", current, units)
                              : fmt::format("{}/{} {}", current, total, units);
  }
  std::string time_left;
  if (width > 50 && current > 0 && start > 0 && percentage < 50) {
    int64_t from_start = now_() - start * 1'000'000'000;
    int64_t per_entry = from_start / current;
    int64_t left = (total - current) * per_entry;
    int64_t rounded = (left + (left >= 0 ? 500'000'000 : -500'000'000)) / 1'000'000'000;
    time_left = " " + GoDuration(rounded);
  }
  return bar + numbers + time_left;
}

absl::Status ProgressPrinter::Add(const json& m) {
  if (!m.is_object()) return absl::InvalidArgumentError("progress message is not a JSON object");
  if (m.contains("aux")) return absl::OkStatus();

  std::string id = StringField(m, "id");
  std::string status = StringField(m, "status");
  std::string stream = StringField(m, "stream");
  std::string server_progress = StringField(m, "progress");  // older daemons' rendering
  auto detail_it = m.find("progressDetail");
  const json* detail = detail_it != m.end() && !detail_it->is_null() ? &*detail_it : nullptr;

  std::string out;
  unsigned diff = 0;
  if (!id.empty() && (detail != nullptr || !server_progress.empty())) {
    auto [it, inserted] = ids_.try_emplace(id, static_cast<unsigned>(ids_.size()));
    if (inserted && terminal_) out += "\n";  // a new layer gets a new line
    diff = static_cast<unsigned>(ids_.size()) - it->second;
    if (terminal_ && diff > 0) out += fmt::format("\x1b[{}A", diff);
  } else {
    // Anything else ends the block of layer lines (pull -a: the next tag).
    ids_.clear();
  }

  // JSONMessage.Display.
  absl::Status result;
  auto error_it = m.find("errorDetail");
  if (error_it != m.end() && !error_it->is_null()) {
    result = absl::UnknownError(StringField(*error_it, "message"));
  } else if (m.contains("error") && !m["error"].is_null()) {
    result = absl::UnknownError(StringField(m, "error"));
  } else {
    std::string endl;
    bool skip = false;
    if (terminal_ && stream.empty() && detail != nullptr) {
      out += kEraseLine;
      endl = "\r";
      out += endl;
    } else if (detail != nullptr && !ProgressString(*detail).empty()) {
      skip = true;  // no progress bars off a terminal
    }
    if (!skip) {
      if (!id.empty()) out += id + ": ";
      if (detail != nullptr && terminal_) {
        out += status + " " + ProgressString(*detail) + endl;
      } else if (!server_progress.empty()) {
        out += status + " " + server_progress + endl;
      } else if (!stream.empty()) {
        out += stream + endl;
      } else {
        out += status + endl + "\n";
      }
    }
  }
  if (!id.empty() && terminal_ && diff > 0) out += fmt::format("\x1b[{}B", diff);

  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
  return result;
}

}  // namespace berth::cli::output

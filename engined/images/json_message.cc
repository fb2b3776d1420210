#include "engined/images/json_message.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace berth::engined::images {

std::string ProgressBar(int64_t current, int64_t total) {
  if (current <= 0 && total <= 0) return "";
  char buf[64];
  if (total <= 0) {
    std::snprintf(buf, sizeof(buf), "%8s", HumanSize(static_cast<double>(current)).c_str());
    return buf;
  }
  int percentage =
      static_cast<int>(static_cast<double>(current) / static_cast<double>(total) * 100) / 2;
  percentage = std::clamp(percentage, 0, 50);
  std::string bar = "[" + std::string(static_cast<size_t>(percentage), '=') + ">" +
                    std::string(static_cast<size_t>(50 - percentage), ' ') + "] ";
  std::string cur = HumanSize(static_cast<double>(current));
  if (current > total) {
    std::snprintf(buf, sizeof(buf), "%8s", cur.c_str());  // a wonky total is not shown
  } else {
    std::snprintf(buf, sizeof(buf), "%8s/%s", cur.c_str(),
                  HumanSize(static_cast<double>(total)).c_str());
  }
  return bar + buf;
}

nlohmann::json StatusMessage(std::string_view status, std::string_view id) {
  nlohmann::json m = {{"status", std::string(status)}};
  if (!id.empty()) m["id"] = std::string(id);
  return m;
}

nlohmann::json LayerMessage(std::string_view status, std::string_view id) {
  nlohmann::json m = StatusMessage(status, id);
  m["progressDetail"] = nlohmann::json::object();
  return m;
}

nlohmann::json ProgressMessage(std::string_view status, std::string_view id, int64_t current,
                               int64_t total) {
  nlohmann::json m = StatusMessage(status, id);
  m["progressDetail"] = {{"current", current}, {"total", total}};
  m["progress"] = ProgressBar(current, total);
  return m;
}

nlohmann::json ErrorMessage(const absl::Status& status) {
  std::string message(status.message());
  return {{"errorDetail", {{"message", message}}}, {"error", message}};
}

nlohmann::json StreamMessage(std::string_view text) { return {{"stream", std::string(text)}}; }

std::string ShortId(std::string_view digest) {
  if (digest.starts_with("sha256:")) digest.remove_prefix(7);
  return std::string(digest.substr(0, 12));
}

}  // namespace berth::engined::images

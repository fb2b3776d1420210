#include "cli/commands/display.h"

#include <ctime>
#include <map>

#include "cli/output/table.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {

std::string ShortId(std::string_view id) {
  if (size_t colon = id.find(':'); colon != std::string_view::npos) id.remove_prefix(colon + 1);
  return std::string(id.substr(0, 12));
}

std::string Ellipsis(std::string_view s, size_t width) {
  // Count UTF-8 characters, not bytes.
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  if (starts.size() <= width || width == 0) return std::string(s);
  return std::string(s.substr(0, starts[width - 1])) + "…";
}

std::string GoTime(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm local {};
  localtime_r(&t, &local);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &local);
  return buf;
}

std::string TimeAgo(int64_t unix_seconds) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  return HumanDuration(now - unix_seconds) + " ago";
}

int64_t ParseRfc3339(std::string_view text) {
  struct tm t {};
  std::string s(text.substr(0, 19));
  if (strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &t) == nullptr) return 0;
  int64_t secs = static_cast<int64_t>(timegm(&t));
  // A zone offset after the fraction ("+02:00"); "Z" is UTC.
  std::string_view rest = text.substr(std::min<size_t>(19, text.size()));
  size_t zone = rest.find_first_of("+-Z");
  if (zone != std::string_view::npos && rest[zone] != 'Z' && rest.size() >= zone + 6) {
    int sign = rest[zone] == '-' ? -1 : 1;
    int64_t h = ParseInt64(rest.substr(zone + 1, 2)).value_or(0);
    int64_t m = ParseInt64(rest.substr(zone + 4, 2)).value_or(0);
    secs -= sign * (h * 3600 + m * 60);
  }
  return secs;
}

absl::Status PrintRows(Cli& cli, std::string_view format, std::string_view default_table,
                       const nlohmann::json& headers, const std::vector<nlohmann::json>& rows,
                       const std::vector<nlohmann::json>& labels, const std::string& key_field) {
  std::map<std::string, const nlohmann::json*> by_key;
  for (size_t i = 0; i < rows.size() && i < labels.size(); ++i) {
    if (rows[i].contains(key_field)) by_key[rows[i][key_field].dump()] = &labels[i];
  }
  auto label = [&](const nlohmann::json& dot, const std::string& name,
                   const std::vector<nlohmann::json>& args) -> std::optional<nlohmann::json> {
    if (name != "Label" || args.size() != 1 || !args[0].is_string()) return std::nullopt;
    if (!dot.is_object() || !dot.contains(key_field)) return "";
    auto it = by_key.find(dot[key_field].dump());
    if (it == by_key.end() || !it->second->is_object()) return "";
    const nlohmann::json& all = *it->second;
    auto value = all.find(args[0].get<std::string>());
    return value == all.end() ? nlohmann::json("") : *value;
  };
  BERTH_ASSIGN_OR_RETURN(std::string text,
                         output::FormatRows(format, default_table, headers, rows, label));
  std::fputs(text.c_str(), cli.out());
  return absl::OkStatus();
}

absl::StatusOr<std::string> FiltersJson(const std::vector<std::string>& filters) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& f : filters) {
    auto [key, value] = SplitOnce(f, '=');
    if (!value || key.empty()) {
      return InvalidArgumentf("bad format of filter (expected name=value): {}", f);
    }
    out[std::string(TrimSpace(key))][std::string(*value)] = true;
  }
  return out.empty() ? std::string() : out.dump();
}

}  // namespace berth::cli

#include "engined/daemon/log_options.h"

#include <cctype>

#include "common/status.h"
#include "common/strings.h"

namespace berth::engined {

absl::StatusOr<int64_t> ParseByteSize(const std::string& text) {
  std::string t = std::string(TrimSpace(text));
  size_t digits = 0;
  while (digits < t.size() && (std::isdigit(static_cast<unsigned char>(t[digits])) != 0)) ++digits;
  std::optional<int64_t> n = ParseInt64(t.substr(0, digits));
  if (!n.has_value()) return InvalidArgumentf("invalid size: {:?}", text);
  std::string unit;
  for (char c : t.substr(digits))
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  int shift = 0;
  if (unit == "k") {
    shift = 10;
  } else if (unit == "m") {
    shift = 20;
  } else if (unit == "g") {
    shift = 30;
  } else if (!unit.empty()) {
    return InvalidArgumentf("invalid size: {:?}", text);
  }
  if (*n > (INT64_MAX >> shift)) return InvalidArgumentf("invalid size: {:?}", text);
  return *n << shift;
}

absl::StatusOr<JsonFileOptions> JsonFileOptionsOf(const nlohmann::json& host_config,
                                                  const nlohmann::json& daemon_log_opts) {
  std::string type = "json-file";
  nlohmann::json opts = daemon_log_opts.is_object() ? daemon_log_opts : nlohmann::json::object();
  auto it = host_config.find("LogConfig");
  if (it != host_config.end() && it->is_object()) {
    if (auto t = it->find("Type");
        t != it->end() && t->is_string() && !t->get<std::string>().empty()) {
      type = t->get<std::string>();
    }
    if (auto c = it->find("Config"); c != it->end() && c->is_object() && !c->empty()) opts = *c;
  }
  JsonFileOptions out;
  if (type == "none") {
    out.enabled = false;
    return out;
  }
  if (type != "json-file") {
    return InvalidArgumentf(
        "logger: no log driver named '{}' is registered (berthd has json-file and none)", type);
  }
  for (const auto& [key, value] : opts.items()) {
    if (!value.is_string()) return InvalidArgumentf("log-opt {}: expected a string", key);
    std::string v = value.get<std::string>();
    if (key == "max-size") {
      BERTH_ASSIGN_OR_RETURN(out.max_size, ParseByteSize(v));
    } else if (key == "max-file") {
      std::optional<int64_t> n = ParseInt64(v);
      if (!n.has_value() || *n < 1 || *n > 1000) {
        return InvalidArgumentf("max-file must be a positive number: {:?}", v);
      }
      out.max_file = static_cast<int32_t>(*n);
    } else if (key != "compress" && key != "labels" && key != "env" && key != "tag") {
      return InvalidArgumentf("unknown log opt '{}' for json-file log driver", key);
    }
  }
  if (out.max_file > 1 && out.max_size == 0) {
    return InvalidArgumentf("max-file cannot be set without max-size");
  }
  return out;
}

}  // namespace berth::engined

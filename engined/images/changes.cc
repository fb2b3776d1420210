#include "engined/images/changes.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::images {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A JSON array of strings, or nullopt when `text` is not one.
std::optional<std::vector<std::string>> ExecForm(const std::string& text) {
  if (text.empty() || text.front() != '[') return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const nlohmann::json& e : j) {
    if (!e.is_string()) return std::nullopt;
    out.push_back(e.get<std::string>());
  }
  return out;
}

// CMD/ENTRYPOINT: the exec form as is, the shell form under /bin/sh -c.
std::vector<std::string> CommandForm(const std::string& text) {
  if (auto exec = ExecForm(text)) return *exec;
  return {"/bin/sh", "-c", text};
}

// "k=v k2=v2" pairs (quotes allowed), or the legacy "k v" form.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> KeyValues(
    const std::string& instruction, const std::string& text) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> words, SplitWords(text));
  std::vector<std::pair<std::string, std::string>> out;
  if (words.empty()) return InvalidArgumentf("{} requires at least one argument", instruction);
  if (words[0].find('=') == std::string::npos) {
    size_t space = text.find_first_of(" \t");
    if (space == std::string::npos) {
      return InvalidArgumentf("{} {}: want key=value or \"key value\"", instruction, text);
    }
    out.emplace_back(text.substr(0, space), std::string(TrimSpace(text.substr(space + 1))));
    return out;
  }
  for (const std::string& w : words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentf("{} {}: \"{}\" is not key=value", instruction, text, w);
    }
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

void SetEnv(nlohmann::json& config, const std::string& key, const std::string& value) {
  nlohmann::json& env = config["Env"];
  if (!env.is_array()) env = nlohmann::json::array();
  for (nlohmann::json& e : env) {
    if (e.is_string() && e.get<std::string>().starts_with(key + "=")) {
      e = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitWords(const std::string& text) {
  if (auto exec = ExecForm(text)) return *exec;
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
        cur += text[++i];
      } else {
        cur += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) return InvalidArgumentf("unterminated quote in \"{}\"", text);
  if (in_word) words.push_back(cur);
  return words;
}

absl::Status ApplyChanges(const std::vector<std::string>& changes, nlohmann::json& config) {
  if (!config.is_object()) config = nlohmann::json::object();
  for (const std::string& change : changes) {
    std::string line(TrimSpace(change));
    if (line.empty()) continue;
    size_t space = line.find_first_of(" \t");
    std::string instruction = Upper(line.substr(0, space));
    std::string arg =
        space == std::string::npos ? "" : std::string(TrimSpace(line.substr(space + 1)));
    auto bad = [&](std::string_view why) {
      return InvalidArgumentf("invalid change \"{}\": {}", change, why);
    };
    if (arg.empty()) return bad("no argument");
    if (instruction == "CMD") {
      config["Cmd"] = CommandForm(arg);
    } else if (instruction == "ENTRYPOINT") {
      config["Entrypoint"] = CommandForm(arg);
    } else if (instruction == "ENV") {
      absl::StatusOr<std::vector<std::pair<std::string, std::string>>> kv =
          KeyValues(instruction, arg);
      if (!kv.ok()) return bad(ToStd(kv.status().message()));
      for (const auto& [k, v] : *kv) SetEnv(config, k, v);
    } else if (instruction == "LABEL") {
      absl::StatusOr<std::vector<std::pair<std::string, std::string>>> kv =
          KeyValues(instruction, arg);
      if (!kv.ok()) return bad(ToStd(kv.status().message()));
      nlohmann::json& labels = config["Labels"];
      if (!labels.is_object()) labels = nlohmann::json::object();
      for (const auto& [k, v] : *kv) labels[k] = v;
    } else if (instruction == "EXPOSE") {
      absl::StatusOr<std::vector<std::string>> ports = SplitWords(arg);
      if (!ports.ok()) return bad(ToStd(ports.status().message()));
      nlohmann::json& exposed = config["ExposedPorts"];
      if (!exposed.is_object()) exposed = nlohmann::json::object();
      for (std::string port : *ports) {
        auto [num, proto] = SplitOnce(port, '/');
        std::optional<uint64_t> n = ParseUint64(num);
        if (!n || *n == 0 || *n > 65535) return bad(fmt::format("invalid port \"{}\"", port));
        std::string p = proto ? std::string(*proto) : "tcp";
        if (p != "tcp" && p != "udp" && p != "sctp") {
          return bad(fmt::format("invalid protocol \"{}\"", p));
        }
        exposed[std::to_string(*n) + "/" + p] = nlohmann::json::object();
      }
    } else if (instruction == "USER") {
      config["User"] = arg;
    } else if (instruction == "WORKDIR") {
      config["WorkingDir"] = arg;
    } else if (instruction == "VOLUME") {
      absl::StatusOr<std::vector<std::string>> vols = SplitWords(arg);
      if (!vols.ok()) return bad(ToStd(vols.status().message()));
      nlohmann::json& volumes = config["Volumes"];
      if (!volumes.is_object()) volumes = nlohmann::json::object();
      for (const std::string& v : *vols) volumes[v] = nlohmann::json::object();
    } else if (instruction == "STOPSIGNAL") {
      config["StopSignal"] = arg;
    } else {
      return bad(
          fmt::format("{} is not a supported instruction (CMD, ENTRYPOINT, ENV, EXPOSE, "
                      "LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)",
                      instruction));
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::engined::images

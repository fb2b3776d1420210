#include "engined/spec/rlimits.h"

#include <algorithm>
#include <cctype>

#include "common/status.h"
#include "engined/spec/fields.h"

namespace berth::engined::spec {
namespace {

// The names docker (go-units) accepts.
constexpr const char* kNames[] = {"as",      "core",     "cpu",        "data",   "fsize", "locks",
                                  "memlock", "msgqueue", "nice",       "nofile", "nproc", "rss",
                                  "rtprio",  "rttime",   "sigpending", "stack"};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

absl::StatusOr<std::vector<Ulimit>> ParseUlimits(const nlohmann::json& host_config) {
  std::vector<Ulimit> out;
  const Json* list = Field(host_config, "Ulimits");
  if (list == nullptr) return out;
  if (!list->is_array()) return InvalidArgumentf("HostConfig.Ulimits: expected a list");
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& u = (*list)[i];
    std::string path = fmt::format("HostConfig.Ulimits[{}]", i);
    if (!u.is_object()) return InvalidArgumentf("{}: expected an object", path);
    Ulimit ul;
    BERTH_ASSIGN_OR_RETURN(ul.name, GetString(u, "Name", path));
    BERTH_ASSIGN_OR_RETURN(ul.soft, GetInt(u, "Soft", path));
    BERTH_ASSIGN_OR_RETURN(ul.hard, GetInt(u, "Hard", path));
    if (std::find(std::begin(kNames), std::end(kNames), ul.name) == std::end(kNames)) {
      return InvalidArgumentf("{}.Name: unknown ulimit \"{}\"", path, ul.name);
    }
    // -1 is "unlimited"; any other negative is a mistake.
    if (ul.soft < -1 || ul.hard < -1) {
      return InvalidArgumentf("{}: ulimit \"{}\" cannot be negative", path, ul.name);
    }
    uint64_t soft = static_cast<uint64_t>(ul.soft), hard = static_cast<uint64_t>(ul.hard);
    if (soft > hard) {
      return InvalidArgumentf(
          "{}: ulimit soft limit must be less than or equal to hard limit: {} > {}", path, ul.soft,
          ul.hard);
    }
    out.push_back(ul);
  }
  return out;
}

nlohmann::json BuildRlimits(const std::vector<Ulimit>& daemon_defaults,
                            const std::vector<Ulimit>& container) {
  std::vector<Ulimit> merged = daemon_defaults;
  for (const Ulimit& u : container) {
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&u](const Ulimit& d) { return d.name == u.name; });
    if (it != merged.end()) {
      *it = u;
    } else {
      merged.push_back(u);
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const Ulimit& u : merged) {
    // -1 (unlimited) becomes RLIM_INFINITY as an unsigned value.
    out.push_back({{"type", "RLIMIT_" + Upper(u.name)},
                   {"soft", static_cast<uint64_t>(u.soft)},
                   {"hard", static_cast<uint64_t>(u.hard)}});
  }
  return out;
}

}  // namespace berth::engined::spec

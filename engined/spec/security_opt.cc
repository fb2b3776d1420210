#include "engined/spec/security_opt.h"

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace berth::engined::spec {

absl::StatusOr<SecurityOptions> ParseSecurityOpts(const std::vector<std::string>& opts) {
  SecurityOptions out;
  for (size_t i = 0; i < opts.size(); ++i) {
    const std::string& opt = opts[i];
    if (opt == "no-new-privileges") {
      out.no_new_privileges = true;
      continue;
    }
    if (opt == "disable") {  // "label=disable" shorthand of old clients
      out.labels.push_back(opt);
      continue;
    }
    size_t sep = opt.find('=');
    if (sep == std::string::npos) sep = opt.find(':');
    if (sep == std::string::npos) {
      return InvalidArgumentf("HostConfig.SecurityOpt[{}]: invalid --security-opt 1: \"{}\"", i,
                              opt);
    }
    std::string key = opt.substr(0, sep), value = opt.substr(sep + 1);
    if (key == "label") {
      out.labels.push_back(value);
    } else if (key == "apparmor") {
      out.apparmor_profile = value;
    } else if (key == "seccomp") {
      if (value == "unconfined") {
        out.seccomp_unconfined = true;
        out.seccomp_profile.reset();
      } else if (value == "builtin") {
        out.seccomp_profile.reset();
      } else {
        // The CLI sends the profile file's content, not its name.
        nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
          return InvalidArgumentf(
              "HostConfig.SecurityOpt[{}]: Decoding seccomp profile failed: not a JSON object", i);
        }
        out.seccomp_profile = value;
      }
    } else if (key == "no-new-privileges") {
      if (value == "true" || value == "1" || value == "t" || value == "T" || value == "TRUE" ||
          value == "True") {
        out.no_new_privileges = true;
      } else if (value == "false" || value == "0" || value == "f" || value == "F" ||
                 value == "FALSE" || value == "False") {
        out.no_new_privileges = false;
      } else {
        return InvalidArgumentf("HostConfig.SecurityOpt[{}]: invalid --security-opt 2: \"{}\"", i,
                                opt);
      }
    } else if (key == "systempaths" && value == "unconfined") {
      out.unmasked_system_paths = true;
    } else if (key == "writable-cgroups") {
      // accepted for compatibility; our /sys/fs/cgroup stays read-only
    } else {
      return InvalidArgumentf("HostConfig.SecurityOpt[{}]: invalid --security-opt 2: \"{}\"", i,
                              opt);
    }
  }
  return out;
}

}  // namespace berth::engined::spec

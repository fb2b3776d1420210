#include "engined/spec/capabilities.h"

#include <algorithm>
#include <cctype>

#include "common/capability_names.h"
#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::spec {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

const std::vector<std::string>& DefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

const std::vector<std::string>& AllCapabilities() {
  static const std::vector<std::string> caps = [] {
    size_t count = kCapabilityNames.size();
    // An older kernel knows fewer; asking for one it lacks fails the capset.
    absl::StatusOr<std::string> last = ReadFile("/proc/sys/kernel/cap_last_cap");
    if (last.ok()) {
      std::optional<int64_t> n = ParseInt64(TrimSpace(*last));
      if (n && *n >= 0 && static_cast<size_t>(*n) + 1 < count) count = static_cast<size_t>(*n) + 1;
    }
    return std::vector<std::string>(kCapabilityNames.begin(), kCapabilityNames.begin() + count);
  }();
  return caps;
}

absl::StatusOr<std::vector<std::string>> NormalizeCapabilities(
    const std::vector<std::string>& names, const std::string& field) {
  std::vector<std::string> out;
  for (std::string c : names) {
    for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (c == "ALL") {
      out.push_back(c);
      continue;
    }
    if (c.rfind("CAP_", 0) != 0) c = "CAP_" + c;
    if (std::find(kCapabilityNames.begin(), kCapabilityNames.end(), c) == kCapabilityNames.end()) {
      return InvalidArgumentf("{}: unknown capability: \"{}\"", field, c);
    }
    if (!Contains(AllCapabilities(), c)) {
      return InvalidArgumentf(
          "{}: capability not supported by your kernel or not available in the current "
          "environment: \"{}\"",
          field, c);
    }
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ContainerCapabilities(
    const std::vector<std::string>& cap_add, const std::vector<std::string>& cap_drop,
    bool privileged) {
  if (privileged) return AllCapabilities();
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> add,
                         NormalizeCapabilities(cap_add, "HostConfig.CapAdd"));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> drop,
                         NormalizeCapabilities(cap_drop, "HostConfig.CapDrop"));
  std::vector<std::string> caps;
  auto push = [&caps](const std::string& c) {
    if (c != "ALL" && !Contains(caps, c)) caps.push_back(c);
  };
  if (Contains(add, "ALL")) {
    for (const std::string& c : AllCapabilities()) {
      if (!Contains(drop, c)) push(c);
    }
  } else if (Contains(drop, "ALL")) {
    for (const std::string& c : add) push(c);
  } else {
    for (const std::string& c : DefaultCapabilities()) {
      if (!Contains(drop, c)) push(c);
    }
    for (const std::string& c : add) push(c);
  }
  return caps;
}

}  // namespace berth::engined::spec

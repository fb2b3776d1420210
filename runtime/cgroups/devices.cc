#include "runtime/cgroups/devices.h"

#include <optional>

#include "common/status.h"

namespace berth::runtime::cgroups {
namespace {

spec::DeviceRule Allow(const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                       const char* access) {
  spec::DeviceRule rule;
  rule.allow = true;
  rule.type = type;
  rule.major = major;
  rule.minor = minor;
  rule.access = access;
  return rule;
}

std::string Number(const std::optional<int64_t>& n) { return n ? std::to_string(*n) : "*"; }

}  // namespace

std::vector<spec::DeviceRule> DefaultAllowedDevices() {
  return {
      Allow("c", std::nullopt, std::nullopt, "m"),  // mknod of any char device
      Allow("b", std::nullopt, std::nullopt, "m"),  // mknod of any block device
      Allow("c", 1, 3, "rwm"),                      // /dev/null
      Allow("c", 1, 8, "rwm"),                      // /dev/random
      Allow("c", 1, 7, "rwm"),                      // /dev/full
      Allow("c", 5, 0, "rwm"),                      // /dev/tty
      Allow("c", 1, 5, "rwm"),                      // /dev/zero
      Allow("c", 1, 9, "rwm"),                      // /dev/urandom
      Allow("c", 136, std::nullopt, "rwm"),         // /dev/pts/*
      Allow("c", 5, 2, "rwm"),                      // /dev/ptmx
      Allow("c", 10, 200, "rwm"),                   // /dev/net/tun
  };
}

absl::Status ValidateDeviceRule(const spec::DeviceRule& rule, size_t index) {
  if (!rule.type.empty() && rule.type != "a" && rule.type != "c" && rule.type != "b") {
    return InvalidArgumentf("linux.resources.devices[{}].type: \"{}\" is not a, c or b", index,
                            rule.type);
  }
  for (char c : rule.access) {
    if (c != 'r' && c != 'w' && c != 'm') {
      return InvalidArgumentf("linux.resources.devices[{}].access: \"{}\" is not made of r, w, m",
                              index, rule.access);
    }
  }
  constexpr int64_t kMaxNumber = 0x7fffffff;
  if ((rule.major && (*rule.major < 0 || *rule.major > kMaxNumber)) ||
      (rule.minor && (*rule.minor < 0 || *rule.minor > kMaxNumber))) {
    return InvalidArgumentf("linux.resources.devices[{}]: major {} / minor {} out of range", index,
                            Number(rule.major), Number(rule.minor));
  }
  return absl::OkStatus();
}

absl::Status ValidateDeviceRules(const std::vector<spec::DeviceRule>& rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    BERTH_RETURN_IF_ERROR(ValidateDeviceRule(rules[i], i));
  }
  return absl::OkStatus();
}

std::string DeviceAccess(const spec::DeviceRule& rule) {
  if (rule.access.empty()) return "rwm";
  std::string out;
  for (char c : {'r', 'w', 'm'}) {
    if (rule.access.find(c) != std::string::npos) out += c;
  }
  return out;
}

std::string DeviceRuleLine(const spec::DeviceRule& rule) {
  std::string type = rule.type.empty() ? "a" : rule.type;
  return type + " " + Number(rule.major) + ":" + Number(rule.minor) + " " + DeviceAccess(rule);
}

bool IsWildcardRule(const spec::DeviceRule& rule) {
  return (rule.type.empty() || rule.type == "a") && !rule.major && !rule.minor &&
         DeviceAccess(rule) == "rwm";
}

}  // namespace berth::runtime::cgroups

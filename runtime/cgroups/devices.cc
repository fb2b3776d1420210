#include "runtime/cgroups/devices.h"

#include <fmt/format.h>

namespace berth::runtime::cgroups {
namespace {

spec::DeviceRule Allow(const char* type, std::optional<int64_t> major,
                       std::optional<int64_t> minor, const char* access) {
  spec::DeviceRule r;
  r.allow = true;
  r.type = type;
  r.major = major;
  r.minor = minor;
  r.access = access;
  return r;
}

std::string Access(const std::string& access) {
  if (access.empty()) return "rwm";
  return access;
}

}  // namespace

std::vector<spec::DeviceRule> DefaultAllowedDevices() {
  return {
      Allow("c", std::nullopt, std::nullopt, "m"),
      Allow("b", std::nullopt, std::nullopt, "m"),
      Allow("c", 1, 3, "rwm"),    // /dev/null
      Allow("c", 1, 8, "rwm"),    // /dev/random
      Allow("c", 1, 7, "rwm"),    // /dev/full
      Allow("c", 5, 0, "rwm"),    // /dev/tty
      Allow("c", 1, 5, "rwm"),    // /dev/zero
      Allow("c", 1, 9, "rwm"),    // /dev/urandom
      Allow("c", 136, std::nullopt, "rwm"),  // /dev/pts/*
      Allow("c", 5, 2, "rwm"),    // /dev/ptmx
      Allow("c", 10, 200, "rwm"), // /dev/net/tun
  };
}

std::string DeviceRuleLine(const spec::DeviceRule& rule) {
  std::string type = rule.type.empty() ? "a" : rule.type;
  std::string major = rule.major ? std::to_string(*rule.major) : "*";
  std::string minor = rule.minor ? std::to_string(*rule.minor) : "*";
  return fmt::format("{} {}:{} {}", type, major, minor, Access(rule.access));
}

bool IsWildcardRule(const spec::DeviceRule& rule) {
  bool any_type = rule.type.empty() || rule.type == "a";
  std::string access = Access(rule.access);
  bool full = access.find('r') != std::string::npos && access.find('w') != std::string::npos &&
              access.find('m') != std::string::npos;
  return any_type && !rule.major && !rule.minor && full;
}

}  // namespace berth::runtime::cgroups

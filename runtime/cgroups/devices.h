// Device access rules for the devices cgroup (v1) or its eBPF stand-in (v2).
#pragma once

#include <string>
#include <vector>

#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// runc's default allow list, appended after the config's rules: mknod of
// anything, /dev/null, zero, full, tty, random, urandom, ptys and tun.
std::vector<spec::DeviceRule> DefaultAllowedDevices();

// "c 1:3 rwm", "a *:* rwm": the v1 devices.allow / devices.deny line.
std::string DeviceRuleLine(const spec::DeviceRule& rule);

// True for "a *:* rwm" (type a or empty, no major / minor, full access):
// the rule that resets the default in v1's semantics.
bool IsWildcardRule(const spec::DeviceRule& rule);

}  // namespace berth::runtime::cgroups

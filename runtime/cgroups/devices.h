// Device access rules for the v1 devices controller and its v2 eBPF
// stand-in.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// runc's default allow list, for the runtime to append after the config's
// rules: mknod of any char or block device, /dev/null, random, full, tty,
// zero, urandom, the pty slaves (136:*), /dev/ptmx and /dev/net/tun.
std::vector<spec::DeviceRule> DefaultAllowedDevices();

// Type "a", "c", "b" or empty (all); access a combination of r, w, m
// or empty (all); major and minor absent (*) or non-negative. `index` names
// the rule in the error: "linux.resources.devices[2]: ...".
absl::Status ValidateDeviceRule(const spec::DeviceRule& rule, size_t index);
absl::Status ValidateDeviceRules(const std::vector<spec::DeviceRule>& rules);

// The rule's access as a subset of "rwm", in that order ("" means "rwm").
std::string DeviceAccess(const spec::DeviceRule& rule);

// "c 1:3 rwm", "a *:* rwm": the line for v1's devices.allow / devices.deny.
std::string DeviceRuleLine(const spec::DeviceRule& rule);

// True for the rule that matches everything (type a or empty, no major or
// minor, all access): "a *:* rwm", which resets the list in v1.
bool IsWildcardRule(const spec::DeviceRule& rule);

}  // namespace berth::runtime::cgroups

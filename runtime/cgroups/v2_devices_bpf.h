// The cgroup v2 devices controller is an eBPF program (BPF_CGROUP_DEVICE)
// attached to the cgroup; this builds one from OCI device rules and swaps
// it in.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// Rules in config order, with v1's meaning: a wildcard "a *:* rwm" rule sets
// the default (allow or deny) and forgets earlier rules; later rules win
// over earlier ones. An allow rule matches a request whose access is within
// the rule's; a deny rule matches any request touching the rule's access.
std::vector<struct bpf_insn> BuildDeviceProgram(const std::vector<spec::DeviceRule>& rules);

// Loads the program, attaches it to `cgroup_dir` (BPF_F_ALLOW_MULTI), then
// detaches the device programs attached there before, so at no point is the
// cgroup without a filter.
absl::Status AttachDeviceProgram(const std::string& cgroup_dir,
                                 const std::vector<struct bpf_insn>& program);

}  // namespace berth::runtime::cgroups

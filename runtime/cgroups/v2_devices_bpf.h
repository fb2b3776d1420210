// cgroup v2 has no devices controller files: device access is decided by an
// eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup.
// This builds one from OCI device rules and swaps it in.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// The program for `rules` (validated first). Semantics, per access bit
// (read, write, mknod) of a request: the last rule in config order that
// matches the device and names that bit decides it; a request is allowed
// only if every bit it asks for is allowed. A full wildcard ("a *:* rwm",
// allow or deny) decides everything not decided by later rules, so rules
// before the last wildcard are never consulted. Without any wildcard the
// default is deny.
//
// Registers: r2 = device type, r3 = access bits still undecided, r4 = major,
// r5 = minor; each rule is one block that falls through to the next
// (earlier) rule when it does not apply. Pure, for unit tests.
absl::StatusOr<std::vector<struct bpf_insn>> BuildDeviceFilter(
    const std::vector<spec::DeviceRule>& rules);

// Loads `program` (license "Apache"), attaches it to `cgroup_dir` with
// BPF_F_ALLOW_MULTI, then detaches the device programs that were attached
// there before, so the cgroup is never without a filter during an update.
absl::Status AttachDeviceFilter(const std::string& cgroup_dir,
                                const std::vector<struct bpf_insn>& program);

// Ids of the device programs attached directly to `cgroup_dir`.
absl::StatusOr<std::vector<uint32_t>> QueryDeviceFilters(const std::string& cgroup_dir);

}  // namespace berth::runtime::cgroups

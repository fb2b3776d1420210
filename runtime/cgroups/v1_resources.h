// Writing spec::Resources into cgroup v1 controller directories, one
// controller per function. Each takes the controller's directory of the
// container (e.g. /sys/fs/cgroup/memory/x).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// Checks what needs no kernel: ranges, swap below limit, swappiness, device
// rules, page size names.
absl::Status ValidateV1Resources(const spec::Resources& resources);

// memory.limit_in_bytes / memory.memsw.limit_in_bytes written in the order
// that keeps limit <= memsw at every step (the kernel refuses otherwise),
// then soft limit, kmem (skipped with a warning where the kernel has none),
// swappiness, oom_control, use_hierarchy.
absl::Status ApplyV1Memory(const std::string& dir, const spec::Memory& memory);
// cpu.shares, cpu.cfs_period_us / cfs_quota_us / cfs_burst_us (retrying in
// the other order when the kernel refuses the first), cpu.idle,
// cpu.rt_period_us / rt_runtime_us.
absl::Status ApplyV1Cpu(const std::string& dir, const spec::Cpu& cpu);
absl::Status ApplyV1Cpuset(const std::string& dir, const spec::Cpu& cpu);
absl::Status ApplyV1Pids(const std::string& dir, const spec::Pids& pids);
// blkio.weight or blkio.bfq.weight (whichever exists), leaf weights,
// weight_device and the four throttle files ("MAJ:MIN VALUE" lines).
absl::Status ApplyV1BlockIo(const std::string& dir, const spec::BlockIo& io);
// hugetlb.<size>.limit_in_bytes (and .rsvd.limit_in_bytes when present).
absl::Status ApplyV1Hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits,
                            const std::vector<std::string>& host_sizes);
absl::Status ApplyV1NetCls(const std::string& dir, uint32_t class_id);
absl::Status ApplyV1NetPrio(const std::string& dir,
                            const std::vector<spec::InterfacePriority>& priorities);
absl::Status ApplyV1Rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma);
// Each rule in order to devices.allow or devices.deny as "TYPE MAJ:MIN ACCESS".
absl::Status ApplyV1Devices(const std::string& dir, const std::vector<spec::DeviceRule>& rules);

}  // namespace berth::runtime::cgroups

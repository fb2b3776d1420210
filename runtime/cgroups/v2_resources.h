// Writing spec::Resources into a cgroup v2 directory, one controller per
// function, with runc's conversions from the v1-shaped OCI fields. Used by
// the v2 manager, and by the v1 manager for the unified directory of a
// hybrid host (hugetlb, unified keys).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::cgroups {

// Controllers a container cgroup may need, in the order they are enabled.
const std::vector<std::string>& ManagedV2Controllers();

// Writes "+<controller>" to cgroup.subtree_control of every directory from
// `mount` down to the parent of `dir`, for each of `wanted` that the
// directory's cgroup.controllers lists and its subtree_control lacks.
// Stops at the first failure.
absl::Status EnableControllers(const std::string& mount, const std::string& dir,
                               const std::vector<std::string>& wanted);

// runc's conversions.
// cpu.weight from cpu.shares: 1 + ((shares - 2) * 9999) / 262142.
uint64_t CpuSharesToWeight(uint64_t shares);
// io.weight from blkio weight: 1 + (weight - 10) * 9999 / 990.
uint64_t BlkioWeightToIoWeight(uint64_t weight);
// memory.swap.max from OCI's memory+swap: swap - limit, "max" for -1;
// nullopt when nothing is to be written.
absl::StatusOr<std::optional<std::string>> SwapMaxValue(std::optional<int64_t> swap,
                                                        std::optional<int64_t> limit);

// Checks what needs no kernel: value ranges, swap without limit, realtime
// limits (v1 only), unified keys' shape. Apply* repeat the checks they need.
absl::Status ValidateV2Resources(const spec::Resources& resources);

absl::Status ApplyV2Memory(const std::string& dir, const spec::Memory& memory);
absl::Status ApplyV2Cpu(const std::string& dir, const spec::Cpu& cpu);
absl::Status ApplyV2Cpuset(const std::string& dir, const spec::Cpu& cpu);
absl::Status ApplyV2Pids(const std::string& dir, const spec::Pids& pids);
absl::Status ApplyV2Io(const std::string& dir, const spec::BlockIo& io);
absl::Status ApplyV2Hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits,
                            const std::vector<std::string>& host_sizes);
absl::Status ApplyV2Rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma);
absl::Status ApplyV2Devices(const std::string& dir, const std::vector<spec::DeviceRule>& rules);

// A unified key must be a plain file name "<controller>.<name>" whose
// controller is "cgroup" or one of `available`; `where` names the place in
// the error ("/sys/fs/cgroup/x").
absl::Status ValidateUnifiedKey(const std::string& key, const std::vector<std::string>& available,
                                const std::string& where);
// Validates every key against `available`, then writes them in key order.
absl::Status ApplyV2Unified(const std::string& dir,
                            const std::map<std::string, std::string>& unified,
                            const std::vector<std::string>& available);

}  // namespace berth::runtime::cgroups

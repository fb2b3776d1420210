// Reading cgroup v1 statistics into Stats, one controller per function.
// A file the kernel does not provide (controller feature off, older
// kernel) leaves its fields zero; other read errors are returned.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/cgroups/stats.h"

namespace berth::runtime::cgroups {

// cpuacct.usage, usage_percpu{,_sys,_user} and cpuacct.stat (ticks -> ns).
absl::Status ReadV1CpuacctStats(const std::string& dir, CpuStats* cpu);
// cpu.stat: nr_periods, nr_throttled, throttled_time.
absl::Status ReadV1CpuThrottling(const std::string& dir, CpuStats* cpu);
absl::Status ReadV1CpusetStats(const std::string& dir, CpusetStats* cpuset);
// memory.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes} and the
// memsw / kmem / kmem.tcp variants, memory.stat, oom_kill from oom_control.
absl::Status ReadV1MemoryStats(const std::string& dir, MemoryStats* memory);
absl::Status ReadV1PidsStats(const std::string& dir, PidsStats* pids);
// blkio.throttle.io_service_bytes_recursive / io_serviced_recursive, or the
// non-recursive files when those are missing.
absl::Status ReadV1BlkioStats(const std::string& dir, BlkioStats* blkio);
absl::Status ReadV1HugetlbStats(const std::string& dir, const std::vector<std::string>& sizes,
                                std::map<std::string, HugetlbStats>* hugetlb);

// "8:0 Read 4096" lines ("Total N" skipped).
std::vector<BlkioEntry> ParseV1BlkioEntries(std::string_view content);

}  // namespace berth::runtime::cgroups

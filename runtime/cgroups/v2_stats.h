// Reading cgroup v2 statistics into Stats (runc's mapping onto the v1-shaped
// structures). Missing files leave fields zero; other errors are returned.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "runtime/cgroups/stats.h"

namespace berth::runtime::cgroups {

// cpu.stat: usage_usec, user_usec, system_usec, nr_periods, nr_throttled,
// throttled_usec (usec -> ns).
absl::Status ReadV2CpuStats(const std::string& dir, CpuStats* cpu);
// memory.current / max / peak / events (max -> failcnt, oom_kill), memory.stat
// (cache = file), swap reported as memory+swap like v1.
absl::Status ReadV2MemoryStats(const std::string& dir, MemoryStats* memory);
absl::Status ReadV2PidsStats(const std::string& dir, PidsStats* pids);
// io.stat rbytes / wbytes -> service bytes, rios / wios -> serviced.
absl::Status ReadV2IoStats(const std::string& dir, BlkioStats* blkio);
// hugetlb.<size>.current, and failcnt from hugetlb.<size>.events "max".
absl::Status ReadV2HugetlbStats(const std::string& dir, const std::vector<std::string>& sizes,
                                std::map<std::string, HugetlbStats>* hugetlb);

BlkioStats ParseV2IoStat(std::string_view content);

}  // namespace berth::runtime::cgroups

// Host-wide numbers docker puts beside a container's stats: the system CPU
// time from /proc/stat and the machine's memory. Paths are parameters so
// tests can hand in fake files.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace berth::engined::logs {

struct HostCpu {
  // The "cpu" line's first seven fields (user nice system idle iowait irq
  // softirq) in nanoseconds, as docker's getSystemCPUUsage sums them.
  uint64_t system_nanos = 0;
  // The "cpuN" lines.
  uint32_t online_cpus = 0;
};

absl::StatusOr<HostCpu> ReadHostCpu(const std::string& proc_stat = "/proc/stat");

// MemTotal of /proc/meminfo in bytes: docker's limit for a container
// without one (or with one above the machine).
absl::StatusOr<uint64_t> ReadMachineMemory(const std::string& meminfo = "/proc/meminfo");

}  // namespace berth::engined::logs

// Facts about processes read from /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth {

// Field 22 of /proc/<pid>/stat: clock ticks since boot when the process
// started. With the pid it identifies a process across pid reuse.
absl::StatusOr<uint64_t> ProcessStartTime(pid_t pid);

// Field 3 of /proc/<pid>/stat ('R', 'S', 'Z', ...).
absl::StatusOr<char> ProcessState(pid_t pid);

// True when `pid` exists, is not a zombie, and (when start_time != 0) started
// at `start_time`: the same process we recorded, not a recycled pid.
bool IsSameLiveProcess(pid_t pid, uint64_t start_time);

// Parsed /proc/<pid>/stat fields that tools print.
struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  uint64_t utime = 0;  // clock ticks
  uint64_t stime = 0;
  uint64_t start_time = 0;
  int tty_nr = 0;
};
absl::StatusOr<ProcStat> ReadProcStat(pid_t pid);

}  // namespace berth

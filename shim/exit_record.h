// The init's exit, written into the bundle before anyone is told of it, so
// that a shim restart, `berth-shim delete` or a reconnecting daemon finds
// the real status even if every process above the shim died meanwhile.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace berth::shim {

using Clock = std::chrono::system_clock;

struct ExitRecord {
  uint32_t pid = 0;
  uint32_t exit_status = 0;  // the exit code, or 128 + signal
  Clock::time_point exited_at;
};

std::string ExitRecordPath(const std::string& bundle);
// Atomic and durable: the record survives a crash of the machine too.
absl::Status WriteExitRecord(const std::string& bundle, const ExitRecord& record);
// NotFound when the process has not exited (or never ran).
absl::StatusOr<ExitRecord> ReadExitRecord(const std::string& bundle);

}  // namespace berth::shim

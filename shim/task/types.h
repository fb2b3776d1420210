// Transport-free requests and answers of the task manager; the gRPC adapter
// maps them to and from proto/berth/shim/v1.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "shim/log/log_writer.h"

namespace berth::shim::task {

enum class ProcessStatus { kUnknown, kCreated, kRunning, kStopped, kPaused, kPausing };

struct RootfsMount {
  std::string type;
  std::string source;
  std::string target;  // relative to the rootfs; empty for the rootfs itself
  std::vector<std::string> options;
};

struct CreateParams {
  std::string id;
  std::vector<RootfsMount> rootfs;
  bool terminal = false;
  bool stdin = false;
  bool stdin_once = false;
  logs::LogConfig log;
};

struct ExecParams {
  std::string exec_id;
  bool terminal = false;
  bool stdin = false;
  bool stdin_once = false;
  std::string spec;  // the OCI process as JSON
};

struct ExitInfo {
  uint32_t pid = 0;
  uint32_t exit_status = 0;
  std::chrono::system_clock::time_point exited_at;
};

struct ProcessState {
  std::string id;
  std::string exec_id;
  std::string bundle;
  uint32_t pid = 0;
  ProcessStatus status = ProcessStatus::kUnknown;
  bool terminal = false;
  bool stdin = false;
  ExitInfo exit;  // meaningful when status is kStopped
};

struct ProcessEntry {
  uint32_t pid = 0;
  std::string exec_id;
};

struct TaskStats {
  uint64_t cpu_usage_nsec = 0, cpu_user_nsec = 0, cpu_system_nsec = 0;
  uint64_t cpu_throttled_periods = 0, cpu_throttled_nsec = 0;
  uint64_t memory_usage = 0, memory_limit = 0, memory_max_usage = 0, memory_cache = 0,
           memory_rss = 0, memory_swap = 0, memory_working_set = 0, memory_oom_kills = 0;
  uint64_t pids_current = 0, pids_limit = 0;
  uint64_t io_read_bytes = 0, io_write_bytes = 0, io_read_ops = 0, io_write_ops = 0;
};

}  // namespace berth::shim::task

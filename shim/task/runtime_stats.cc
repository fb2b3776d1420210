#include "shim/task/runtime_stats.h"

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace berth::shim::task {
namespace {

using nlohmann::json;

uint64_t U64(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return 0;
    auto it = at->find(key);
    if (it == at->end()) return 0;
    at = &*it;
  }
  return at->is_number_unsigned() || at->is_number_integer() ? at->get<uint64_t>() : 0;
}

// Sums a blkio list's entries for one op ("Read", "Write").
uint64_t BlkioSum(const json& data, const char* list, const char* op) {
  uint64_t total = 0;
  auto blkio = data.find("blkio");
  if (blkio == data.end() || !blkio->is_object()) return 0;
  auto entries = blkio->find(list);
  if (entries == blkio->end() || !entries->is_array()) return 0;
  for (const json& entry : *entries) {
    if (entry.value("op", "") == op) total += U64(entry, {"value"});
  }
  return total;
}

}  // namespace

absl::StatusOr<TaskStats> ParseRuntimeStats(std::string_view json_text) {
  json event = json::parse(json_text, nullptr, false);
  if (event.is_discarded() || !event.is_object() || !event.contains("data") ||
      !event["data"].is_object()) {
    return Internalf("runtime stats: not a stats event: {}", json_text.substr(0, 200));
  }
  const json& data = event["data"];
  TaskStats s;
  s.cpu_usage_nsec = U64(data, {"cpu", "usage", "total"});
  s.cpu_user_nsec = U64(data, {"cpu", "usage", "user"});
  s.cpu_system_nsec = U64(data, {"cpu", "usage", "kernel"});
  s.cpu_throttled_periods = U64(data, {"cpu", "throttling", "throttledPeriods"});
  s.cpu_throttled_nsec = U64(data, {"cpu", "throttling", "throttledTime"});
  s.memory_usage = U64(data, {"memory", "usage", "usage"});
  s.memory_limit = U64(data, {"memory", "usage", "limit"});
  s.memory_max_usage = U64(data, {"memory", "usage", "max"});
  s.memory_cache = U64(data, {"memory", "cache"});
  s.memory_swap = U64(data, {"memory", "swap", "usage"});
  // v1 names first, v2's where v1's are absent.
  s.memory_rss = U64(data, {"memory", "raw", "total_rss"});
  if (s.memory_rss == 0) s.memory_rss = U64(data, {"memory", "raw", "anon"});
  uint64_t inactive = U64(data, {"memory", "raw", "total_inactive_file"});
  if (inactive == 0) inactive = U64(data, {"memory", "raw", "inactive_file"});
  // kubelet's working set: usage less the inactive file cache.
  s.memory_working_set = s.memory_usage > inactive ? s.memory_usage - inactive : 0;
  s.memory_oom_kills = U64(data, {"memory", "raw", "oom_kill"});
  s.pids_current = U64(data, {"pids", "current"});
  s.pids_limit = U64(data, {"pids", "limit"});
  s.io_read_bytes = BlkioSum(data, "ioServiceBytesRecursive", "Read");
  s.io_write_bytes = BlkioSum(data, "ioServiceBytesRecursive", "Write");
  s.io_read_ops = BlkioSum(data, "ioServicedRecursive", "Read");
  s.io_write_ops = BlkioSum(data, "ioServicedRecursive", "Write");
  return s;
}

}  // namespace berth::shim::task

#include "runtime/cgroups/v2_stats.h"

#include <limits>

#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_fs.h"

namespace berth::runtime::cgroups {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

uint64_t AddUnlessMax(uint64_t a, uint64_t b) { return a == kMax || b == kMax ? kMax : a + b; }

}  // namespace

absl::Status ReadV2CpuStats(const std::string& dir, CpuStats* cpu) {
  BERTH_ASSIGN_OR_RETURN(auto stat, ReadKeyedUintsIfExists(dir, "cpu.stat"));
  cpu->total_usage = stat["usage_usec"] * 1000;
  cpu->user = stat["user_usec"] * 1000;
  cpu->kernel = stat["system_usec"] * 1000;
  cpu->periods = stat["nr_periods"];
  cpu->throttled_periods = stat["nr_throttled"];
  cpu->throttled_time = stat["throttled_usec"] * 1000;
  return absl::OkStatus();
}

absl::Status ReadV2MemoryStats(const std::string& dir, MemoryStats* memory) {
  BERTH_ASSIGN_OR_RETURN(memory->raw, ReadKeyedUintsIfExists(dir, "memory.stat"));
  auto file = memory->raw.find("file");
  if (file != memory->raw.end()) memory->cache = file->second;

  MemoryEntry& usage = memory->usage;
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "memory.current", &usage.usage));
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "memory.max", &usage.limit));
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "memory.peak", &usage.max));
  BERTH_ASSIGN_OR_RETURN(auto events, ReadKeyedUintsIfExists(dir, "memory.events"));
  usage.failcnt = events["max"];
  memory->oom_kills = events["oom_kill"];

  // v1 reported swap as memory+swap; keep that shape, as runc does.
  if (CgroupFileExists(dir, "memory.swap.current")) {
    MemoryEntry& swap = memory->swap;
    BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "memory.swap.current", &swap.usage));
    BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "memory.swap.max", &swap.limit));
    BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "memory.swap.peak", &swap.max));
    BERTH_ASSIGN_OR_RETURN(auto swap_events, ReadKeyedUintsIfExists(dir, "memory.swap.events"));
    swap.failcnt = swap_events["max"];
    swap.usage += usage.usage;
    swap.limit = AddUnlessMax(swap.limit, usage.limit);
    if (swap.max != 0) swap.max = AddUnlessMax(swap.max, usage.max);
  }
  return absl::OkStatus();
}

absl::Status ReadV2PidsStats(const std::string& dir, PidsStats* pids) {
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "pids.current", &pids->current));
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "pids.max", &pids->limit));
  if (pids->limit == kMax) pids->limit = 0;
  return absl::OkStatus();
}

absl::Status ReadV2IoStats(const std::string& dir, BlkioStats* blkio) {
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> content,
                         ReadCgroupFileIfExists(dir, "io.stat"));
  if (content) *blkio = ParseV2IoStat(*content);
  return absl::OkStatus();
}

absl::Status ReadV2HugetlbStats(const std::string& dir, const std::vector<std::string>& sizes,
                                std::map<std::string, HugetlbStats>* hugetlb) {
  for (const std::string& size : sizes) {
    std::string prefix = "hugetlb." + size + ".";
    if (!CgroupFileExists(dir, prefix + "current")) continue;
    HugetlbStats stats;
    BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, prefix + "current", &stats.usage));
    BERTH_ASSIGN_OR_RETURN(auto events, ReadKeyedUintsIfExists(dir, prefix + "events"));
    stats.failcnt = events["max"];
    (*hugetlb)[size] = stats;
  }
  return absl::OkStatus();
}

BlkioStats ParseV2IoStat(std::string_view content) {
  BlkioStats out;
  for (std::string_view line : Split(content, '\n', true)) {
    std::vector<std::string_view> fields = Split(TrimSpace(line), ' ', true);
    if (fields.size() < 2) continue;
    auto [major, minor] = SplitOnce(fields[0], ':');
    std::optional<uint64_t> maj = ParseUint64(major);
    std::optional<uint64_t> min = minor ? ParseUint64(*minor) : std::nullopt;
    if (!maj || !min) continue;
    for (size_t i = 1; i < fields.size(); ++i) {
      auto [key, value] = SplitOnce(fields[i], '=');
      std::optional<uint64_t> v = value ? ParseUint64(*value) : std::nullopt;
      if (!v) continue;
      if (key == "rbytes" || key == "wbytes") {
        out.io_service_bytes_recursive.push_back(
            BlkioEntry{*maj, *min, key == "rbytes" ? "Read" : "Write", *v});
      } else if (key == "rios" || key == "wios") {
        out.io_serviced_recursive.push_back(
            BlkioEntry{*maj, *min, key == "rios" ? "Read" : "Write", *v});
      }
    }
  }
  return out;
}

}  // namespace berth::runtime::cgroups

#include "runtime/cgroups/v1_stats.h"

#include <errno.h>
#include <unistd.h>

#include <limits>

#include "common/status.h"
#include "common/strings.h"
#include "runtime/cgroups/cgroup_fs.h"

namespace berth::runtime::cgroups {
namespace {

constexpr uint64_t kNanosPerSecond = 1000000000;

absl::Status ReadUintListIfExists(const std::string& dir, std::string_view file,
                                  std::vector<uint64_t>* out) {
  if (!CgroupFileExists(dir, file)) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(*out, ReadUintList(dir, file));
  return absl::OkStatus();
}

// memory.<prefix>usage_in_bytes and friends; prefix "" or "memsw." etc.
absl::Status ReadMemoryEntry(const std::string& dir, const std::string& prefix,
                             MemoryEntry* entry) {
  std::string base = "memory." + prefix;
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, base + "usage_in_bytes", &entry->usage));
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, base + "max_usage_in_bytes", &entry->max));
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, base + "failcnt", &entry->failcnt));
  return ReadUintIfExists(dir, base + "limit_in_bytes", &entry->limit);
}

absl::Status ReadBlkioFile(const std::string& dir, const std::string& name,
                           std::vector<BlkioEntry>* out) {
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> content,
                         ReadCgroupFileIfExists(dir, name + "_recursive"));
  if (!content) {
    BERTH_ASSIGN_OR_RETURN(content, ReadCgroupFileIfExists(dir, name));
  }
  if (content) *out = ParseV1BlkioEntries(*content);
  return absl::OkStatus();
}

// The size's rsvd files when the kernel has them (they count reservations
// too), the plain ones otherwise.
std::string HugetlbPrefix(const std::string& dir, const std::string& size) {
  std::string rsvd = "hugetlb." + size + ".rsvd.";
  if (CgroupFileExists(dir, rsvd + "usage_in_bytes")) return rsvd;
  return "hugetlb." + size + ".";
}

}  // namespace

absl::Status ReadV1CpuacctStats(const std::string& dir, CpuStats* cpu) {
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "cpuacct.usage", &cpu->total_usage));
  BERTH_RETURN_IF_ERROR(ReadUintListIfExists(dir, "cpuacct.usage_percpu", &cpu->percpu));
  BERTH_RETURN_IF_ERROR(ReadUintListIfExists(dir, "cpuacct.usage_percpu_sys", &cpu->percpu_kernel));
  BERTH_RETURN_IF_ERROR(ReadUintListIfExists(dir, "cpuacct.usage_percpu_user", &cpu->percpu_user));
  BERTH_ASSIGN_OR_RETURN(auto ticks, ReadKeyedUintsIfExists(dir, "cpuacct.stat"));
  uint64_t hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  if (hz == 0) hz = 100;
  cpu->user = ticks["user"] * (kNanosPerSecond / hz);
  cpu->kernel = ticks["system"] * (kNanosPerSecond / hz);
  return absl::OkStatus();
}

absl::Status ReadV1CpuThrottling(const std::string& dir, CpuStats* cpu) {
  BERTH_ASSIGN_OR_RETURN(auto stat, ReadKeyedUintsIfExists(dir, "cpu.stat"));
  cpu->periods = stat["nr_periods"];
  cpu->throttled_periods = stat["nr_throttled"];
  cpu->throttled_time = stat["throttled_time"];
  return absl::OkStatus();
}

absl::Status ReadV1CpusetStats(const std::string& dir, CpusetStats* cpuset) {
  for (auto [file, list] :
       {std::pair{"cpuset.cpus", &cpuset->cpus}, std::pair{"cpuset.mems", &cpuset->mems}}) {
    BERTH_ASSIGN_OR_RETURN(std::optional<std::string> content, ReadCgroupFileIfExists(dir, file));
    if (!content) continue;
    std::optional<std::vector<uint16_t>> parsed = ParseCpuList(*content);
    if (!parsed) return InvalidArgumentf("parse {}/{}: \"{}\"", dir, file, TrimSpace(*content));
    *list = std::move(*parsed);
  }
  const std::pair<const char*, uint64_t*> flags[] = {
      {"cpuset.cpu_exclusive", &cpuset->cpu_exclusive},
      {"cpuset.mem_hardwall", &cpuset->mem_hardwall},
      {"cpuset.mem_exclusive", &cpuset->mem_exclusive},
      {"cpuset.memory_migrate", &cpuset->memory_migrate},
      {"cpuset.memory_spread_page", &cpuset->memory_spread_page},
      {"cpuset.memory_spread_slab", &cpuset->memory_spread_slab},
      {"cpuset.memory_pressure", &cpuset->memory_pressure},
      {"cpuset.sched_load_balance", &cpuset->sched_load_balance},
  };
  for (const auto& [file, value] : flags) BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, file, value));
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> level,
                         ReadCgroupFileIfExists(dir, "cpuset.sched_relax_domain_level"));
  if (level) cpuset->sched_relax_domain_level = ParseInt64(TrimSpace(*level)).value_or(0);
  return absl::OkStatus();
}

absl::Status ReadV1MemoryStats(const std::string& dir, MemoryStats* memory) {
  BERTH_ASSIGN_OR_RETURN(memory->raw, ReadKeyedUintsIfExists(dir, "memory.stat"));
  auto cache = memory->raw.find("cache");
  if (cache != memory->raw.end()) memory->cache = cache->second;
  BERTH_RETURN_IF_ERROR(ReadMemoryEntry(dir, "", &memory->usage));
  BERTH_RETURN_IF_ERROR(ReadMemoryEntry(dir, "memsw.", &memory->swap));
  BERTH_RETURN_IF_ERROR(ReadMemoryEntry(dir, "kmem.", &memory->kernel));
  BERTH_RETURN_IF_ERROR(ReadMemoryEntry(dir, "kmem.tcp.", &memory->kernel_tcp));
  BERTH_ASSIGN_OR_RETURN(auto oom, ReadKeyedUintsIfExists(dir, "memory.oom_control"));
  memory->oom_kills = oom["oom_kill"];
  return absl::OkStatus();
}

absl::Status ReadV1PidsStats(const std::string& dir, PidsStats* pids) {
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "pids.current", &pids->current));
  BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, "pids.max", &pids->limit));
  if (pids->limit == std::numeric_limits<uint64_t>::max()) pids->limit = 0;  // "max"
  return absl::OkStatus();
}

absl::Status ReadV1BlkioStats(const std::string& dir, BlkioStats* blkio) {
  BERTH_RETURN_IF_ERROR(
      ReadBlkioFile(dir, "blkio.throttle.io_service_bytes", &blkio->io_service_bytes_recursive));
  return ReadBlkioFile(dir, "blkio.throttle.io_serviced", &blkio->io_serviced_recursive);
}

absl::Status ReadV1HugetlbStats(const std::string& dir, const std::vector<std::string>& sizes,
                                std::map<std::string, HugetlbStats>* hugetlb) {
  for (const std::string& size : sizes) {
    std::string prefix = HugetlbPrefix(dir, size);
    if (!CgroupFileExists(dir, prefix + "usage_in_bytes")) continue;
    HugetlbStats stats;
    BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, prefix + "usage_in_bytes", &stats.usage));
    BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, prefix + "max_usage_in_bytes", &stats.max));
    BERTH_RETURN_IF_ERROR(ReadUintIfExists(dir, prefix + "failcnt", &stats.failcnt));
    (*hugetlb)[size] = stats;
  }
  return absl::OkStatus();
}

std::vector<BlkioEntry> ParseV1BlkioEntries(std::string_view content) {
  std::vector<BlkioEntry> out;
  for (std::string_view line : Split(content, '\n', true)) {
    std::vector<std::string_view> fields = Split(TrimSpace(line), ' ', true);
    if (fields.size() != 3) continue;  // "Total N"
    auto [major, minor] = SplitOnce(fields[0], ':');
    std::optional<uint64_t> maj = ParseUint64(major);
    std::optional<uint64_t> min = minor ? ParseUint64(*minor) : std::nullopt;
    std::optional<uint64_t> value = ParseUint64(fields[2]);
    if (!maj || !min || !value) continue;
    out.push_back(BlkioEntry{*maj, *min, std::string(fields[1]), *value});
  }
  return out;
}

}  // namespace berth::runtime::cgroups

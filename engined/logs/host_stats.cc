#include "engined/logs/host_stats.h"

#include <unistd.h>

#include <string_view>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::logs {
namespace {

constexpr uint64_t kNanosPerSecond = 1000000000;

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (std::string_view f : Split(line, ' ', /*skip_empty=*/true)) {
    f = TrimSpace(f);
    if (!f.empty()) out.push_back(f);
  }
  return out;
}

}  // namespace

absl::StatusOr<HostCpu> ReadHostCpu(const std::string& proc_stat) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(proc_stat));
  HostCpu cpu;
  bool found = false;
  // Clock ticks are USER_HZ, which sysconf reports (100 on Linux; docker
  // hard-codes 100).
  long hz = ::sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  for (std::string_view line : Split(text, '\n', /*skip_empty=*/true)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f[0] == "cpu") {
      if (f.size() < 8)
        return InvalidArgumentf("{}: the cpu line has {} fields", proc_stat, f.size());
      uint64_t ticks = 0;
      for (size_t i = 1; i < 8; ++i) {
        std::optional<uint64_t> v = ParseUint64(f[i]);
        if (!v) return InvalidArgumentf("{}: bad cpu field {:?}", proc_stat, f[i]);
        ticks += *v;
      }
      cpu.system_nanos = ticks * kNanosPerSecond / static_cast<uint64_t>(hz);
      found = true;
    } else if (f[0].size() > 3 && f[0].substr(0, 3) == "cpu") {
      ++cpu.online_cpus;
    }
  }
  if (!found) return InvalidArgumentf("{}: no cpu line", proc_stat);
  return cpu;
}

absl::StatusOr<uint64_t> ReadMachineMemory(const std::string& meminfo) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(meminfo));
  for (std::string_view line : Split(text, '\n', /*skip_empty=*/true)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.size() >= 2 && f[0] == "MemTotal:") {
      std::optional<uint64_t> kb = ParseUint64(f[1]);
      if (!kb) return InvalidArgumentf("{}: bad MemTotal {:?}", meminfo, f[1]);
      return *kb * 1024;
    }
  }
  return InvalidArgumentf("{}: no MemTotal", meminfo);
}

}  // namespace berth::engined::logs

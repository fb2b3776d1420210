// DockerTop's default: the rows `ps -ef` prints, read from /proc rather
// than by running ps (procps-ng's output.c formats: pr_c, pr_stime, pr_time).
#include <pwd.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "engined/logs/top.h"

namespace berth::engined::logs {
namespace {

struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::string comm;
  uint64_t tty_nr = 0;
  uint64_t cpu_ticks = 0;  // utime + stime
  uint64_t start_ticks = 0;
  uid_t euid = 0;
  std::string cmdline;
};

long Hertz() {
  long hz = ::sysconf(_SC_CLK_TCK);
  return hz > 0 ? hz : 100;
}

std::vector<std::string_view> Words(std::string_view s) { return Split(s, ' ', true); }

// nullopt when the process is gone (it exited since the pids were listed).
absl::StatusOr<std::optional<ProcInfo>> ReadProc(const std::string& root, pid_t pid) {
  std::string dir = fmt::format("{}/{}", root, pid);
  absl::StatusOr<std::string> stat = ReadFile(dir + "/stat");
  if (!stat.ok()) {
    if (absl::IsNotFound(stat.status())) return std::optional<ProcInfo>();
    return stat.status();
  }
  ProcInfo info;
  info.pid = pid;
  // comm may hold spaces and parentheses: it ends at the last ')'.
  size_t open = stat->find('(');
  size_t close = stat->rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return InvalidArgumentf("{}/stat: malformed", dir);
  }
  info.comm = stat->substr(open + 1, close - open - 1);
  std::vector<std::string_view> f = Words(std::string_view(*stat).substr(close + 1));
  // f[0] is field 3 (state); field k is f[k - 3].
  if (f.size() < 20) return InvalidArgumentf("{}/stat: {} fields after comm", dir, f.size());
  auto field = [&](int k) {
    return ParseUint64(TrimSpace(f[static_cast<size_t>(k - 3)])).value_or(0);
  };
  info.ppid = static_cast<pid_t>(field(4));
  info.tty_nr = field(7);
  info.cpu_ticks = field(14) + field(15);
  info.start_ticks = field(22);

  absl::StatusOr<std::string> status = ReadFile(dir + "/status");
  if (!status.ok()) {
    if (absl::IsNotFound(status.status())) return std::optional<ProcInfo>();
    return status.status();
  }
  for (std::string_view line : Split(*status, '\n', true)) {
    if (line.substr(0, 4) != "Uid:") continue;
    std::vector<std::string> ids;
    for (std::string_view part : Split(line.substr(4), '\t', true)) {
      if (!TrimSpace(part).empty()) ids.emplace_back(TrimSpace(part));
    }
    if (ids.size() >= 2) info.euid = static_cast<uid_t>(ParseUint64(ids[1]).value_or(0));
  }
  absl::StatusOr<std::string> cmdline = ReadFile(dir + "/cmdline");
  if (cmdline.ok()) info.cmdline = *cmdline;
  return std::optional<ProcInfo>(std::move(info));
}

// procps shows a name wider than the 8-column UID field cut to 7 and '+'.
std::string UserName(uid_t uid) {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof(buf), &found) != 0 || found == nullptr) {
    return std::to_string(uid);
  }
  std::string name = pw.pw_name;
  if (name.size() > 8) name = name.substr(0, 7) + "+";
  return name;
}

std::string Tty(uint64_t tty_nr) {
  if (tty_nr == 0) return "?";
  unsigned maj = major(static_cast<dev_t>(tty_nr));
  unsigned min = minor(static_cast<dev_t>(tty_nr));
  if (maj >= 136 && maj <= 143) return fmt::format("pts/{}", min + (maj - 136) * 256);
  if (maj == 4 && min < 64) return fmt::format("tty{}", min);
  if (maj == 4) return fmt::format("ttyS{}", min - 64);
  return "?";
}

std::string StartTime(time_t start, time_t now) {
  struct tm now_tm, start_tm;
  localtime_r(&now, &now_tm);
  localtime_r(&start, &start_tm);
  char buf[32];
  if (now_tm.tm_year != start_tm.tm_year) {
    std::strftime(buf, sizeof(buf), "%Y", &start_tm);
  } else if (now_tm.tm_yday != start_tm.tm_yday) {
    std::strftime(buf, sizeof(buf), "%b%d", &start_tm);
  } else {
    std::strftime(buf, sizeof(buf), "%H:%M", &start_tm);
  }
  return buf;
}

std::string CpuTime(uint64_t ticks, long hz) {
  uint64_t t = ticks / static_cast<uint64_t>(hz);
  uint64_t days = t / 86400, hours = t / 3600 % 24, minutes = t / 60 % 60, seconds = t % 60;
  if (days > 0) return fmt::format("{}-{:02}:{:02}:{:02}", days, hours, minutes, seconds);
  return fmt::format("{:02}:{:02}:{:02}", hours, minutes, seconds);
}

// ps prints the arguments separated by spaces and docker re-splits the
// line on whitespace, so runs of blanks collapse.
std::string Command(const ProcInfo& info) {
  if (info.cmdline.empty()) return "[" + info.comm + "]";
  std::string text = info.cmdline;
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  std::vector<std::string> words;
  for (std::string_view w : Split(text, ' ', true)) {
    for (std::string_view part : Split(w, '\t', true)) words.emplace_back(part);
  }
  return Join(words, " ");
}

}  // namespace

absl::StatusOr<TopResult> ProcTop(const std::vector<pid_t>& pids, const std::string& proc_root) {
  const long hz = Hertz();
  BERTH_ASSIGN_OR_RETURN(std::string stat, ReadFile(proc_root + "/stat"));
  uint64_t boot_time = 0;
  for (std::string_view line : Split(stat, '\n', true)) {
    if (line.substr(0, 6) == "btime ")
      boot_time = ParseUint64(TrimSpace(line.substr(6))).value_or(0);
  }
  BERTH_ASSIGN_OR_RETURN(std::string uptime_text, ReadFile(proc_root + "/uptime"));
  double uptime = std::strtod(uptime_text.c_str(), nullptr);
  time_t now = ::time(nullptr);

  TopResult result;
  result.titles = {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};
  std::vector<pid_t> sorted = pids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (pid_t pid : sorted) {
    BERTH_ASSIGN_OR_RETURN(std::optional<ProcInfo> info, ReadProc(proc_root, pid));
    if (!info) continue;
    double started = static_cast<double>(info->start_ticks) / static_cast<double>(hz);
    uint64_t elapsed = uptime > started ? static_cast<uint64_t>(uptime - started) : 0;
    uint64_t c = elapsed > 0 ? info->cpu_ticks * 100 / static_cast<uint64_t>(hz) / elapsed : 0;
    time_t start = static_cast<time_t>(boot_time + info->start_ticks / static_cast<uint64_t>(hz));
    result.processes.push_back({UserName(info->euid), std::to_string(info->pid),
                                std::to_string(info->ppid),
                                std::to_string(std::min<uint64_t>(c, 99)), StartTime(start, now),
                                Tty(info->tty_nr), CpuTime(info->cpu_ticks, hz), Command(*info)});
  }
  return result;
}

}  // namespace berth::engined::logs

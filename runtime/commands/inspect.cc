// state, list and ps: reporting on containers.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/proc.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/commands/commands.h"
#include "runtime/container/container.h"

namespace berth::runtime {
namespace {

using container::Container;

void Print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// From /etc/passwd, as runc looks it up (no NSS: the runtime is linked
// statically, see runtime/CMakeLists.txt).
std::string UserName(uid_t uid) {
  if (absl::StatusOr<std::string> passwd = ReadFile("/etc/passwd"); passwd.ok()) {
    for (std::string_view line : Split(*passwd, '\n', true)) {
      std::vector<std::string_view> f = Split(line, ':');
      if (f.size() >= 3 && !f[0].empty() && ParseUint64(f[2]) == uid) return std::string(f[0]);
    }
  }
  return "#" + std::to_string(uid);
}

// Columns padded like Go's tabwriter (runc: minwidth 12, padding 1).
std::string Table(const std::vector<std::vector<std::string>>& rows, size_t min_width = 12) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(std::max<size_t>(widths[i] + 1, min_width) - row[i].size(), ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string FormatCpuTime(uint64_t ticks, long hz) {
  uint64_t secs = ticks / static_cast<uint64_t>(hz);
  uint64_t days = secs / 86400;
  std::string hms = fmt::format("{:02}:{:02}:{:02}", (secs / 3600) % 24, (secs / 60) % 60, secs % 60);
  return days > 0 ? fmt::format("{}-{}", days, hms) : hms;
}

std::string TtyName(int tty_nr) {
  if (tty_nr == 0) return "?";
  unsigned major = (static_cast<unsigned>(tty_nr) >> 8) & 0xfff;
  unsigned minor = (static_cast<unsigned>(tty_nr) & 0xff) | ((static_cast<unsigned>(tty_nr) >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return fmt::format("pts/{}", (major - 136) * 256 + minor);
  if (major == 4 && minor < 64) return fmt::format("tty{}", minor);
  return "?";
}

// `ps -ef` columns (UID PID PPID C STIME TTY TIME CMD) read from /proc.
std::string PsTable(const std::vector<pid_t>& pids) {
  long hz = ::sysconf(_SC_CLK_TCK);
  double uptime = 0;
  if (absl::StatusOr<std::string> up = ReadFile("/proc/uptime"); up.ok()) {
    uptime = std::strtod(up->c_str(), nullptr);
  }
  time_t boot = ::time(nullptr) - static_cast<time_t>(uptime);
  std::vector<std::vector<std::string>> rows = {{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}};
  for (pid_t pid : pids) {
    absl::StatusOr<ProcStat> st = ReadProcStat(pid);
    if (!st.ok()) continue;  // exited meanwhile
    uid_t uid = 0;
    if (absl::StatusOr<std::string> status = ReadFile(fmt::format("/proc/{}/status", pid)); status.ok()) {
      for (std::string_view line : Split(*status, '\n', true)) {
        if (line.starts_with("Uid:")) {
          std::vector<std::string_view> f = Split(line.substr(4), '\t', true);
          if (f.size() >= 2) uid = static_cast<uid_t>(ParseUint64(TrimSpace(f[1])).value_or(0));
        }
      }
    }
    double started = static_cast<double>(st->start_time) / static_cast<double>(hz);
    double running = uptime - started;
    uint64_t cpu = st->utime + st->stime;
    int c = running > 0 ? static_cast<int>(static_cast<double>(cpu) / static_cast<double>(hz) * 100 / running) : 0;
    time_t start = boot + static_cast<time_t>(started);
    struct tm tm;
    localtime_r(&start, &tm);
    char stime[16];
    std::strftime(stime, sizeof(stime), ::time(nullptr) - start < 86400 ? "%H:%M" : "%b%d", &tm);
    std::string cmd = st->comm.empty() ? "?" : "[" + st->comm + "]";
    if (absl::StatusOr<std::string> cmdline = ReadFile(fmt::format("/proc/{}/cmdline", pid));
        cmdline.ok() && !cmdline->empty()) {
      cmd = *cmdline;
      while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
      std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    }
    rows.push_back({UserName(uid), std::to_string(pid), std::to_string(st->ppid),
                    std::to_string(std::min(c, 99)), stime, TtyName(st->tty_nr),
                    FormatCpuTime(cpu, hz), cmd});
  }
  return Table(rows, 1);
}

}  // namespace

absl::StatusOr<int> State(const GlobalOptions& g, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(Container c, Container::Load(container::StateStore(g.root), id));
  Print(json::Dump(c.StateJson(), 2) + "\n");
  return 0;
}

absl::StatusOr<int> List(const GlobalOptions& g, const ListOptions& o) {
  container::StateStore store(g.root);
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> ids, store.ListIds());
  json::Json all = json::Json::array();
  std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const std::string& id : ids) {
    absl::StatusOr<Container> c = Container::Load(store, id);
    if (!c.ok()) continue;  // removed meanwhile
    json::Json s = c->StateJson();
    s["owner"] = UserName(c->state().owner_uid);
    if (o.quiet) {
      Print(id + "\n");
      continue;
    }
    rows.push_back({id, std::to_string(s["pid"].get<int>()), s["status"].get<std::string>(),
                    c->state().bundle, c->state().created, s["owner"].get<std::string>()});
    all.push_back(std::move(s));
  }
  if (o.quiet) return 0;
  if (o.format == "json") {
    Print(json::Dump(all) + "\n");
  } else {
    Print(Table(rows));
  }
  return 0;
}

absl::StatusOr<int> Ps(const GlobalOptions& g, const PsOptions& o) {
  BERTH_ASSIGN_OR_RETURN(Container c, Container::Load(container::StateStore(g.root), o.id));
  BERTH_ASSIGN_OR_RETURN(cgroups::Manager * cg, c.Cgroups());
  BERTH_ASSIGN_OR_RETURN(std::vector<pid_t> pids, cg->Pids());
  std::sort(pids.begin(), pids.end());
  if (o.format == "json") {
    Print(json::Dump(json::Json(pids)) + "\n");
    return 0;
  }
  if (o.ps_args.empty()) {
    Print(PsTable(pids));
    return 0;
  }
  // Custom options mean ps(1)'s own formats: as runc does, run it and keep
  // the container's rows.
  std::vector<std::string> args = {"ps"};
  args.insert(args.end(), o.ps_args.begin(), o.ps_args.end());
  SpawnOptions spawn;
  spawn.argv = args;
  spawn.search_path = true;
  BERTH_ASSIGN_OR_RETURN(SpawnResult result, RunAndCapture(spawn));
  if (!result.status.success()) {
    return FailedPreconditionf("ps {}: {}", Join(o.ps_args, " "), TrimSpace(result.err));
  }
  std::vector<std::string_view> lines = Split(result.out, '\n', true);
  if (lines.empty()) return 0;
  std::vector<std::string_view> header = Split(lines[0], ' ', true);
  auto pid_column = std::find(header.begin(), header.end(), "PID");
  if (pid_column == header.end()) return FailedPreconditionf("ps output has no PID column");
  size_t column = static_cast<size_t>(pid_column - header.begin());
  std::string out = std::string(lines[0]) + "\n";
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> fields = Split(lines[i], ' ', true);
    if (fields.size() <= column) continue;
    std::optional<int64_t> pid = ParseInt64(fields[column]);
    if (pid && std::binary_search(pids.begin(), pids.end(), static_cast<pid_t>(*pid))) {
      out += std::string(lines[i]) + "\n";
    }
  }
  Print(out);
  return 0;
}

}  // namespace berth::runtime

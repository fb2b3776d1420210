#include "common/proc.h"

#include <cstdlib>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth {

absl::StatusOr<ProcStat> ReadProcStat(pid_t pid) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(fmt::format("/proc/{}/stat", pid)));
  // comm may hold spaces and parentheses: it ends at the last ')'.
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return Internalf("/proc/{}/stat: unexpected format", pid);
  }
  ProcStat st;
  st.pid = pid;
  st.comm = text.substr(open + 1, close - open - 1);
  std::vector<std::string_view> fields = Split(std::string_view(text).substr(close + 2), ' ', true);
  // fields[0] is field 3 (state); field N is fields[N - 3].
  if (fields.size() < 20) return Internalf("/proc/{}/stat: too few fields", pid);
  auto num = [&](size_t field) {
    return std::strtoull(std::string(fields[field - 3]).c_str(), nullptr, 10);
  };
  st.state = fields[0].empty() ? '?' : fields[0][0];
  st.ppid = static_cast<pid_t>(num(4));
  st.tty_nr = static_cast<int>(num(7));
  st.utime = num(14);
  st.stime = num(15);
  st.start_time = num(22);
  return st;
}

absl::StatusOr<uint64_t> ProcessStartTime(pid_t pid) {
  BERTH_ASSIGN_OR_RETURN(ProcStat st, ReadProcStat(pid));
  return st.start_time;
}

absl::StatusOr<char> ProcessState(pid_t pid) {
  BERTH_ASSIGN_OR_RETURN(ProcStat st, ReadProcStat(pid));
  return st.state;
}

bool IsSameLiveProcess(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  absl::StatusOr<ProcStat> st = ReadProcStat(pid);
  if (!st.ok()) return false;
  if (st->state == 'Z' || st->state == 'X') return false;
  return start_time == 0 || st->start_time == start_time;
}

}  // namespace berth

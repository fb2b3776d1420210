// DockerTop with ps_args: run ps as docker does and filter its rows.
#include "engined/logs/top.h"

#include <algorithm>
#include <string_view>

#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::logs {
namespace {

constexpr auto kPsTimeout = std::chrono::seconds(30);

// Go's fieldsASCII: split on ASCII whitespace only.
std::vector<std::string> FieldsAscii(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !space(line[i])) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

// docker's appendProcess2ProcList: as many fields as titles, the overhang
// (the command's arguments) joined into the last.
void AppendRow(TopResult* result, std::vector<std::string> fields) {
  size_t n = result->titles.size();
  if (fields.size() > n) {
    std::vector<std::string> tail(fields.begin() + static_cast<long>(n) - 1, fields.end());
    fields.resize(n - 1);
    fields.push_back(Join(tail, " "));
  }
  result->processes.push_back(std::move(fields));
}

std::string PidsArg(const std::vector<pid_t>& pids) {
  std::string arg = "-q";
  for (size_t i = 0; i < pids.size(); ++i) {
    if (i > 0) arg.push_back(',');
    arg += std::to_string(pids[i]);
  }
  return arg;
}

absl::StatusOr<SpawnResult> RunPs(const TopOptions& options, const std::vector<std::string>& args) {
  SpawnOptions spawn;
  spawn.argv.push_back(options.ps_program);
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  return RunAndCapture(spawn, "", kPsTimeout);
}

}  // namespace

nlohmann::json TopResult::ToJson() const {
  nlohmann::json procs = nlohmann::json::array();
  for (const auto& row : processes) procs.push_back(row);
  return {{"Titles", titles}, {"Processes", procs}};
}

absl::StatusOr<TopResult> ParsePsOutput(const std::string& output, const std::vector<pid_t>& pids) {
  std::vector<std::string_view> lines = Split(output, '\n');
  TopResult result;
  if (!lines.empty()) result.titles = FieldsAscii(lines[0]);
  auto pid_title = std::find(result.titles.begin(), result.titles.end(), "PID");
  if (pid_title == result.titles.end()) return Internalf("Couldn't find PID field in ps output");
  size_t pid_index = static_cast<size_t>(pid_title - result.titles.begin());
  // A thread row ("-" for PID, with ps's m option) belongs to the process
  // row above it.
  bool previous_kept = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<std::string> fields = FieldsAscii(lines[i]);
    if (fields.size() <= pid_index) continue;
    if (fields[pid_index] == "-") {
      if (previous_kept) AppendRow(&result, std::move(fields));
      continue;
    }
    std::optional<int64_t> pid = ParseInt64(fields[pid_index]);
    if (!pid) return Internalf("Unexpected pid '{}': invalid syntax", fields[pid_index]);
    previous_kept = std::find(pids.begin(), pids.end(), static_cast<pid_t>(*pid)) != pids.end();
    if (previous_kept) AppendRow(&result, std::move(fields));
  }
  return result;
}

absl::StatusOr<TopResult> DockerTop(const std::vector<pid_t>& pids, const std::string& ps_args,
                                    const TopOptions& options) {
  if (ps_args.empty()) return ProcTop(pids, options.proc_root);
  // docker splits on single spaces, keeping empty arguments as ps sees them.
  std::vector<std::string> args = SplitToStrings(ps_args, ' ');
  std::vector<std::string> with_pids = args;
  with_pids.push_back(PidsArg(pids));
  BERTH_ASSIGN_OR_RETURN(SpawnResult run, RunPs(options, with_pids));
  if (!run.status.success()) {
    // Some options (f) do not mix with q: docker retries without it.
    BERTH_ASSIGN_OR_RETURN(run, RunPs(options, args));
    if (!run.status.success()) {
      std::string first = std::string(SplitOnce(run.err, '\n').first);
      if (first.empty()) first = fmt::format("exit status {}", run.status.code);
      return Internalf("ps: {}", first);
    }
  }
  return ParsePsOutput(run.out, pids);
}

}  // namespace berth::engined::logs

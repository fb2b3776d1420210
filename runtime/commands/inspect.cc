// state, list and ps: reporting on containers.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

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

std::string UserName(uid_t uid) {
  struct passwd pw;
  struct passwd* result = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof(buf), &result) == 0 && result != nullptr) {
    return pw.pw_name;
  }
  return "#" + std::to_string(uid);
}

// Columns padded like Go's tabwriter(minwidth 12, padding 1), as runc prints.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
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
      if (i + 1 < row.size()) line += std::string(std::max<size_t>(widths[i] + 1, 12) - row[i].size(), ' ');
    }
    out += line + "\n";
  }
  return out;
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
  // runc runs ps(1) with the given options and keeps the container's rows;
  // ps is the standard interface for those options, so do the same.
  std::vector<std::string> args = {"ps"};
  if (o.ps_args.empty()) {
    args.push_back("-ef");
  } else {
    args.insert(args.end(), o.ps_args.begin(), o.ps_args.end());
  }
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

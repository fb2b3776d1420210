// events: container stats (once with --stats, else every --interval) and OOM
// notifications, as runc prints them (one JSON object per line).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "runtime/cgroups/stats.h"
#include "runtime/commands/commands.h"
#include "runtime/container/container.h"

namespace berth::runtime {
namespace {

using container::Container;

void PrintEvent(const std::string& type, const std::string& id, const json::Json& data) {
  json::Json event = {{"type", type}, {"id", id}};
  if (!data.is_null()) event["data"] = data;
  std::string line = json::Dump(event) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

// Go duration syntax, as runc's --interval takes it: "5s", "100ms", "1m30s".
absl::StatusOr<int64_t> ParseDurationMs(const std::string& text) {
  if (text.empty()) return InvalidArgumentf("empty duration");
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return InvalidArgumentf("invalid duration {:?}", text);
    double value = std::strtod(text.substr(start, i - start).c_str(), nullptr);
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    double scale;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60000;
    } else if (unit == "h") {
      scale = 3600000;
    } else if (unit == "us" || unit == "µs") {
      scale = 0.001;
    } else if (unit == "ns") {
      scale = 0.000001;
    } else {
      return InvalidArgumentf("invalid duration {:?}: unknown unit {:?}", text, unit);
    }
    total_ms += value * scale;
  }
  if (total_ms <= 0) return InvalidArgumentf("duration {:?} must be positive", text);
  return static_cast<int64_t>(total_ms);
}

// An eventfd that fires on OOM kills (cgroup v1 memory.oom_control via
// cgroup.event_control). Empty where that is unavailable (v2 is polled).
UniqueFd OomEventFd(const std::string& source) {
  if (!source.ends_with("memory.oom_control")) return UniqueFd();
  std::string dir = source.substr(0, source.rfind('/'));
  UniqueFd efd(::eventfd(0, EFD_CLOEXEC));
  UniqueFd oom(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!efd || !oom) return UniqueFd();
  std::string registration = fmt::format("{} {}", efd.get(), oom.get());
  if (!WriteExistingFile(dir + "/cgroup.event_control", registration).ok()) return UniqueFd();
  (void)oom.release();  // must stay open for the registration's lifetime
  return efd;
}

uint64_t OomKillCount(const std::string& source) {
  absl::StatusOr<std::string> text = ReadFile(source);
  if (!text.ok()) return 0;
  for (std::string_view line : Split(*text, '\n', true)) {
    auto [key, value] = SplitOnce(line, ' ');
    if ((key == "oom_kill") && value) return ParseUint64(TrimSpace(*value)).value_or(0);
  }
  return 0;
}

}  // namespace

absl::StatusOr<int> Events(const GlobalOptions& g, const EventsOptions& o) {
  BERTH_ASSIGN_OR_RETURN(Container c, Container::Load(container::StateStore(g.root), o.id));
  if (c.CurrentStatus() == container::Status::kStopped) {
    return FailedPreconditionf("container {} is not running", o.id);
  }
  BERTH_ASSIGN_OR_RETURN(cgroups::Manager * cg, c.Cgroups());
  if (o.stats) {
    BERTH_ASSIGN_OR_RETURN(cgroups::Stats stats, cg->GetStats());
    PrintEvent("stats", o.id, cgroups::StatsToJson(stats));
    return 0;
  }
  BERTH_ASSIGN_OR_RETURN(int64_t interval_ms, ParseDurationMs(o.interval));
  std::string oom_source = cg->OomEventSource();
  UniqueFd oom_fd = OomEventFd(oom_source);
  uint64_t oom_kills = OomKillCount(oom_source);
  for (;;) {
    if (c.CurrentStatus() == container::Status::kStopped) return 0;
    absl::StatusOr<cgroups::Stats> stats = cg->GetStats();
    if (stats.ok()) PrintEvent("stats", o.id, cgroups::StatsToJson(*stats));
    struct pollfd pfd = {oom_fd.get(), POLLIN, 0};
    int r = ::poll(&pfd, oom_fd ? 1 : 0, static_cast<int>(interval_ms));
    if (r < 0 && errno != EINTR) return ErrnoErrorf(errno, "poll");
    if (r > 0) {
      uint64_t count;
      (void)!::read(oom_fd.get(), &count, sizeof(count));
      if (c.CurrentStatus() != container::Status::kStopped || OomKillCount(oom_source) > oom_kills) {
        PrintEvent("oom", o.id, nullptr);
      }
      oom_kills = OomKillCount(oom_source);
    } else if (!oom_fd) {
      uint64_t now = OomKillCount(oom_source);
      if (now > oom_kills) PrintEvent("oom", o.id, nullptr);
      oom_kills = now;
    }
  }
}

}  // namespace berth::runtime

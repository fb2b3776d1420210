// berth logs: the container's log as the daemon streams it, demultiplexed
// to stdout / stderr unless the container has a TTY.
#include <unistd.h>

#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/term/stdcopy.h"
#include "common/status.h"

namespace berth::cli {
namespace {

struct LogsOptions {
  std::string container;
  bool details = false, follow = false, timestamps = false;
  std::string since, until, tail = "all";
};

int Logs(LogsOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::StatusOr<nlohmann::json> info = (*api)->GetJson("/containers/" + o.container + "/json");
  if (!info.ok()) return cli.Fail(info.status());
  bool tty = info->value("Config", nlohmann::json::object()).value("Tty", false);
  client::Request r{.path = "/containers/" + info->value("Id", o.container) + "/logs",
                    .query = {{"stdout", "1"}, {"stderr", "1"}}};
  if (!o.since.empty()) r.query.emplace_back("since", o.since);
  if (!o.until.empty()) r.query.emplace_back("until", o.until);
  if (o.timestamps) r.query.emplace_back("timestamps", "1");
  if (o.follow) r.query.emplace_back("follow", "1");
  if (o.details) r.query.emplace_back("details", "1");
  r.query.emplace_back("tail", o.tail);
  absl::StatusOr<std::unique_ptr<client::BodyStream>> body = (*api)->Stream(r);
  if (!body.ok()) return cli.Fail(body.status());
  term::StdcopyDemuxer demux(STDOUT_FILENO, STDERR_FILENO);
  for (;;) {
    absl::StatusOr<std::string> chunk = (*body)->Read();
    if (!chunk.ok()) return cli.Fail(chunk.status());
    if (chunk->empty()) break;
    absl::Status s = tty ? term::WriteAllFd(STDOUT_FILENO, *chunk, "logs") : demux.Feed(*chunk);
    if (s.ok()) continue;
    // A closed pipe (`berth logs x | head`) ends the command quietly.
    if (ErrnoOf(s) == EPIPE) return 0;
    return cli.Fail(s);
  }
  return 0;
}

}  // namespace

CLI::App* AddLogsCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<LogsOptions>();
  CLI::App* sub =
      AddCommand<LogsOptions>(parent, cli, "logs", "Fetch the logs of a container", o, Logs);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("container", o->container, "Container")->required();
  sub->add_flag("--details", o->details, "Show extra details provided to logs");
  sub->add_flag("-f,--follow", o->follow, "Follow log output");
  sub->add_option("--since", o->since,
                  "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. "
                  "\"42m\" for 42 minutes)");
  sub->add_option("--until", o->until, "Show logs before a timestamp or relative");
  sub->add_option("-n,--tail", o->tail, "Number of lines to show from the end of the logs");
  sub->add_flag("-t,--timestamps", o->timestamps, "Show timestamps");
  return sub;
}

}  // namespace berth::cli

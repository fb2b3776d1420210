// berth start: start containers; with -a, stream one container's output
// (and stdin with -i) and exit with its code, as docker start -a does.
#include "cli/commands/attach_session.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/for_each.h"

namespace berth::cli {
namespace {

struct StartOptions {
  std::vector<std::string> containers;
  bool attach = false;
  bool interactive = false;
  std::string detach_keys;
};

int StartAttached(StartOptions& o, Cli& cli, client::EngineClient& api) {
  const std::string& name = o.containers.front();
  absl::StatusOr<nlohmann::json> info = api.GetJson("/containers/" + name + "/json");
  if (!info.ok()) return cli.Fail(info.status());
  std::string id = info->value("Id", name);
  const nlohmann::json& config = info->value("Config", nlohmann::json::object());
  bool tty = config.value("Tty", false);
  AttachStreams streams{
      .in = o.interactive && config.value("OpenStdin", false), .out = true, .err = true};
  // docker start -a proxies signals only without a tty, and has no flag.
  absl::StatusOr<std::unique_ptr<term::SignalWatcher>> signals =
      HandleSignals(api, tty ? "" : "/containers/" + id + "/kill");
  if (!signals.ok()) return cli.Fail(signals.status());
  std::string keys = DetachKeys(cli, o.detach_keys);
  absl::StatusOr<std::unique_ptr<client::Connection>> conn =
      AttachContainer(api, id, streams, keys);
  if (!conn.ok()) return cli.Fail(conn.status());
  absl::StatusOr<std::unique_ptr<client::BodyStream>> wait = BeginWait(api, id, "next-exit");
  if (!wait.ok()) return cli.Fail(wait.status());
  absl::Status started =
      api.Do({.method = "POST", .path = "/containers/" + id + "/start"}).status();
  if (!started.ok()) return cli.Fail(started);
  absl::StatusOr<SessionEnd> end = RunSession(cli, api, **conn,
                                              {.stdin_attached = streams.in,
                                               .tty = tty,
                                               .detach_keys = keys,
                                               .resize_path = "/containers/" + id + "/resize"});
  if (!end.ok()) return cli.Fail(end.status());
  if (*end == SessionEnd::kDetached) return 0;
  absl::StatusOr<int> code = ReadExitCode(**wait);
  if (!code.ok()) return cli.Fail(code.status());
  return *code;
}

int Start(StartOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  if (o.attach || o.interactive) {
    if (o.containers.size() > 1) {
      return cli.Fail(
          absl::InvalidArgumentError("you cannot start and attach multiple containers at once"));
    }
    return StartAttached(o, cli, **api);
  }
  return ForEachTarget(cli, o.containers, [&](const std::string& id) {
    return (*api)->Do({.method = "POST", .path = "/containers/" + id + "/start"}).status();
  });
}

}  // namespace

CLI::App* AddStartCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<StartOptions>();
  CLI::App* sub = AddCommand<StartOptions>(parent, cli, "start",
                                           "Start one or more stopped containers", o, Start);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("containers", o->containers, "Containers")->required();
  sub->add_flag("-a,--attach", o->attach, "Attach STDOUT/STDERR and forward signals");
  sub->add_flag("-i,--interactive", o->interactive, "Attach container's STDIN");
  sub->add_option("--detach-keys", o->detach_keys,
                  "Override the key sequence for detaching a container");
  return sub;
}

}  // namespace berth::cli

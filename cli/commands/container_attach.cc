// berth attach: join a running container's stdio; exit with its code when
// it ends, or 0 on the detach keys.
#include "cli/commands/attach_session.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"

namespace berth::cli {
namespace {

struct AttachOptions {
  std::string container;
  bool no_stdin = false;
  bool sig_proxy = true;
  std::string detach_keys;
};

int Attach(AttachOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::StatusOr<nlohmann::json> info = (*api)->GetJson("/containers/" + o.container + "/json");
  if (!info.ok()) return cli.Fail(info.status());
  const nlohmann::json& state = info->value("State", nlohmann::json::object());
  if (!state.value("Running", false)) {
    return cli.Fail(
        absl::FailedPreconditionError("You cannot attach to a stopped container, start it first"));
  }
  if (state.value("Paused", false)) {
    return cli.Fail(
        absl::FailedPreconditionError("You cannot attach to a paused container, unpause it first"));
  }
  std::string id = info->value("Id", o.container);
  const nlohmann::json& config = info->value("Config", nlohmann::json::object());
  bool tty = config.value("Tty", false);
  AttachStreams streams{
      .in = !o.no_stdin && config.value("OpenStdin", false), .out = true, .err = true};
  std::string keys = DetachKeys(cli, o.detach_keys);
  absl::StatusOr<std::unique_ptr<client::BodyStream>> wait = BeginWait(**api, id, "");
  if (!wait.ok()) return cli.Fail(wait.status());
  absl::StatusOr<std::unique_ptr<term::SignalWatcher>> signals =
      HandleSignals(**api, (o.sig_proxy && !tty) ? "/containers/" + id + "/kill" : "");
  if (!signals.ok()) return cli.Fail(signals.status());
  absl::StatusOr<std::unique_ptr<client::Connection>> conn =
      AttachContainer(**api, id, streams, keys);
  if (!conn.ok()) return cli.Fail(conn.status());
  absl::StatusOr<SessionEnd> end = RunSession(cli, **api, **conn,
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

}  // namespace

CLI::App* AddAttachCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<AttachOptions>();
  CLI::App* sub = AddCommand<AttachOptions>(
      parent, cli, "attach",
      "Attach local standard input, output, and error streams to a running container", o, Attach);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("container", o->container, "Container")->required();
  sub->add_flag("--no-stdin", o->no_stdin, "Do not attach STDIN");
  sub->add_flag("--sig-proxy", o->sig_proxy, "Proxy all received signals to the process");
  sub->add_option("--detach-keys", o->detach_keys,
                  "Override the key sequence for detaching a container");
  return sub;
}

}  // namespace berth::cli

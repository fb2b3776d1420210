// berth run: create (pulling if needed), attach, wait, start, stream, and
// exit with the container's code — docker's order of calls, so the attach
// and the wait are in place before the process can run or exit.
#include "cli/client/errors.h"
#include "cli/commands/attach_session.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_create_request.h"
#include "cli/commands/create_flags.h"

namespace berth::cli {
namespace {

struct RunOptions {
  CreateFlags create;
  bool detach = false;
  bool sig_proxy = true;
  std::string detach_keys;
  std::vector<std::string> rest;  // the image (or container), then the command
};

int Run(RunOptions& o, Cli& cli) {
  const std::vector<std::string>& rest = o.rest;
  if (rest.empty()) {
    std::fprintf(cli.err(),
                 "\"berth run\" requires at least 1 argument.\nSee 'berth run --help'.\n\n"
                 "Usage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n");
    return kExitDaemonError;
  }
  std::string image = rest.front();
  std::vector<std::string> args(rest.begin() + 1, rest.end());
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status(), kExitDaemonError);
  absl::StatusOr<std::string> id = CreateContainer(cli, o.create, image, args, o.detach);
  if (!id.ok()) return cli.Fail(id.status(), kExitDaemonError);

  if (o.detach) {
    absl::Status started =
        (*api)->Do({.method = "POST", .path = "/containers/" + *id + "/start"}).status();
    if (!started.ok()) return cli.Fail(started, StartFailureCode(started));
    std::fprintf(cli.out(), "%s\n", id->c_str());
    return 0;
  }

  // From here until berth returns, as docker: signals go to the container
  // (with a tty too, since docker 28), or are ignored with --sig-proxy=false.
  absl::StatusOr<std::unique_ptr<term::SignalWatcher>> signals =
      HandleSignals(**api, o.sig_proxy ? "/containers/" + *id + "/kill" : "");
  if (!signals.ok()) return cli.Fail(signals.status(), kExitDaemonError);

  const CreateFlags& f = o.create;
  AttachStreams streams;
  if (f.attach.empty()) {
    streams = {.in = f.interactive, .out = true, .err = true};
  } else {
    for (const std::string& a : f.attach) {
      streams.in |= a == "stdin" || a == "STDIN";
      streams.out |= a == "stdout" || a == "STDOUT";
      streams.err |= a == "stderr" || a == "STDERR";
    }
  }
  std::string keys = DetachKeys(cli, o.detach_keys);
  std::unique_ptr<client::Connection> conn;
  if (streams.in || streams.out || streams.err) {
    absl::StatusOr<std::unique_ptr<client::Connection>> attached =
        AttachContainer(**api, *id, streams, keys);
    if (!attached.ok()) return cli.Fail(attached.status(), kExitDaemonError);
    conn = std::move(*attached);
  }
  absl::StatusOr<std::unique_ptr<client::BodyStream>> wait =
      BeginWait(**api, *id, f.rm ? "removed" : "next-exit");
  if (!wait.ok()) return cli.Fail(wait.status(), kExitDaemonError);

  absl::Status started =
      (*api)->Do({.method = "POST", .path = "/containers/" + *id + "/start"}).status();
  if (!started.ok()) {
    if (conn) conn->Shutdown();
    return cli.Fail(started, StartFailureCode(started));
  }
  if (conn) {
    SessionOptions session{.stdin_attached = streams.in,
                           .tty = f.tty,
                           .detach_keys = keys,
                           .resize_path = "/containers/" + *id + "/resize"};
    absl::StatusOr<SessionEnd> end = RunSession(cli, **api, *conn, session);
    if (!end.ok()) return cli.Fail(end.status());
    if (*end == SessionEnd::kDetached) return 0;
  }
  absl::StatusOr<int> code = ReadExitCode(**wait);
  if (!code.ok()) return cli.Fail(code.status(), kExitDaemonError);
  return *code;
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* sub = AddCommand<RunOptions>(parent, cli, "run",
                                         "Create and run a new container from an image", o, Run);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  // After it, everything is the command's (main.cc puts a "--" there).
  sub->add_option("image_and_command", o->rest, "The image, then the command and its arguments");
  AddCreateFlags(*sub, o->create);
  sub->add_flag("-d,--detach", o->detach, "Run container in background and print container ID");
  sub->add_flag("--sig-proxy", o->sig_proxy, "Proxy received signals to the process");
  sub->add_option("--detach-keys", o->detach_keys,
                  "Override the key sequence for detaching a container");
  return sub;
}

}  // namespace berth::cli

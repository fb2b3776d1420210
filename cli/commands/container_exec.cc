// berth exec: a new process in a running container; its exit code is the
// command's (docker inspects the exec instance after the stream ends).
#include "cli/commands/attach_session.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/create_flags.h"

namespace berth::cli {
namespace {

struct ExecOptions {
  bool detach = false, interactive = false, tty = false, privileged = false;
  std::vector<std::string> env, env_files;
  std::string workdir, user, detach_keys;
  std::vector<std::string> rest;  // the image (or container), then the command
};

int Exec(ExecOptions& o, Cli& cli) {
  const std::vector<std::string>& rest = o.rest;
  if (rest.size() < 2) {
    std::fprintf(cli.err(),
                 "\"berth exec\" requires at least 2 arguments.\nSee 'berth exec --help'.\n\n"
                 "Usage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n");
    return 1;
  }
  std::string container = rest.front();
  std::vector<std::string> cmd(rest.begin() + 1, rest.end());
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  std::string keys = DetachKeys(cli, o.detach_keys);
  // As docker: -e values as given, unless there are --env-file files,
  // which are read first (and the -e values after, the same way).
  absl::StatusOr<nlohmann::json> env = nlohmann::json(o.env);
  if (!o.env_files.empty()) env = EnvList(o.env_files, o.env);
  if (!env.ok()) return cli.Fail(env.status());
  nlohmann::json body = {{"User", o.user},
                         {"Privileged", o.privileged},
                         {"Tty", o.tty},
                         {"AttachStdin", o.interactive && !o.detach},
                         {"AttachStdout", !o.detach},
                         {"AttachStderr", !o.detach},
                         {"Detach", o.detach},
                         {"DetachKeys", o.detach_keys},
                         {"Env", *env},
                         {"WorkingDir", o.workdir},
                         {"Cmd", cmd}};
  absl::StatusOr<nlohmann::json> created = (*api)->DoJson(
      {.method = "POST", .path = "/containers/" + container + "/exec", .json = body});
  if (!created.ok()) return cli.Fail(created.status());
  std::string exec_id = created->value("Id", "");
  client::Request start{.method = "POST",
                        .path = "/exec/" + exec_id + "/start",
                        .json = nlohmann::json{{"Detach", o.detach}, {"Tty", o.tty}}};
  if (o.detach) {
    absl::Status s = (*api)->Do(start).status();
    return s.ok() ? 0 : cli.Fail(s);
  }
  absl::StatusOr<std::unique_ptr<client::Connection>> conn = (*api)->Hijack(start);
  if (!conn.ok()) return cli.Fail(conn.status(), StartFailureCode(conn.status()));
  absl::StatusOr<SessionEnd> end = RunSession(cli, **api, **conn,
                                              {.stdin_attached = o.interactive,
                                               .tty = o.tty,
                                               .detach_keys = keys,
                                               .resize_path = "/exec/" + exec_id + "/resize"});
  if (!end.ok()) return cli.Fail(end.status());
  if (*end == SessionEnd::kDetached) return 0;
  absl::StatusOr<nlohmann::json> inspected = (*api)->GetJson("/exec/" + exec_id + "/json");
  if (!inspected.ok()) return cli.Fail(inspected.status());
  const nlohmann::json& code = (*inspected)["ExitCode"];
  return code.is_number() ? code.get<int>() : 0;
}

}  // namespace

CLI::App* AddExecCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<ExecOptions>();
  CLI::App* sub = AddCommand<ExecOptions>(parent, cli, "exec",
                                          "Execute a command in a running container", o, Exec);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  // After it, everything is the command's (main.cc puts a "--" there).
  sub->add_option("container_and_command", o->rest,
                  "The container, then the command and its arguments");
  sub->add_flag("-d,--detach", o->detach, "Detached mode: run command in the background");
  sub->add_flag("-i,--interactive", o->interactive, "Keep STDIN open even if not attached");
  sub->add_flag("-t,--tty", o->tty, "Allocate a pseudo-TTY");
  sub->add_flag("--privileged", o->privileged, "Give extended privileges to the command");
  sub->add_option("-e,--env", o->env, "Set environment variables");
  sub->add_option("--env-file", o->env_files, "Read in a file of environment variables");
  sub->add_option("-w,--workdir", o->workdir, "Working directory inside the container");
  sub->add_option("-u,--user", o->user, "Username or UID (format: <name|uid>[:<group|gid>])");
  sub->add_option("--detach-keys", o->detach_keys,
                  "Override the key sequence for detaching a container");
  return sub;
}

}  // namespace berth::cli

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_create_request.h"

namespace berth::cli {
namespace {

struct CreateOptions {
  CreateFlags create;
  std::vector<std::string> rest;  // the image (or container), then the command
};

int Create(CreateOptions& o, Cli& cli) {
  const std::vector<std::string>& rest = o.rest;
  if (rest.empty()) {
    std::fprintf(cli.err(),
                 "\"berth create\" requires at least 1 argument.\nSee 'berth create --help'.\n\n"
                 "Usage:  berth create [OPTIONS] IMAGE [COMMAND] [ARG...]\n");
    return kExitDaemonError;
  }
  std::vector<std::string> args(rest.begin() + 1, rest.end());
  absl::StatusOr<std::string> id = CreateContainer(cli, o.create, rest.front(), args, false);
  if (!id.ok()) {
    // docker create: 125 for what its flags say, 1 once it got to the
    // daemon (or to --cidfile).
    bool flag_error = id.status().code() == absl::StatusCode::kInvalidArgument &&
                      !client::IsDaemonError(id.status());
    return cli.Fail(id.status(), flag_error ? kExitDaemonError : 1);
  }
  std::fprintf(cli.out(), "%s\n", id->c_str());
  return 0;
}

}  // namespace

CLI::App* AddCreateCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<CreateOptions>();
  CLI::App* sub =
      AddCommand<CreateOptions>(parent, cli, "create", "Create a new container", o, Create);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  // After it, everything is the command's (main.cc puts a "--" there).
  sub->add_option("image_and_command", o->rest, "The image, then the command and its arguments");
  AddCreateFlags(*sub, o->create);
  return sub;
}

}  // namespace berth::cli

#include "cli/commands/command_table.h"

#include <algorithm>
#include <cstdio>

#include "cli/commands/command_separator.h"
#include "cli/commands/groups.h"

namespace berth::cli {
namespace {

// docker's flags take one value per occurrence (`-e A -e B`); CLI11's
// vector options would also take the arguments that follow.
void OneValuePerFlag(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (!opt->get_positional()) opt->allow_extra_args(false);
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) OneValuePerFlag(*sub);
}

}  // namespace

CLI::App* AddGroup(CLI::App& root, Cli& cli, const std::string& name,
                   const std::string& description) {
  if (!cli.Needs(root, name)) return cli.Unbuilt();
  CLI::App* group = root.add_subcommand(name, description);
  group->require_subcommand(1);
  group->group("Management Commands");
  return group;
}

void BuildCommandLine(CLI::App& app, Cli& cli, const std::vector<std::string>& args) {
  GlobalOptions& o = cli.options();
  // --help only: -h is --hostname for run and create, as in docker. Set
  // before any subcommand exists, so every one inherits it.
  app.set_help_flag("--help", "Print usage");
  app.set_version_flag("-v,--version", "Berth version " BERTH_CLI_VERSION);
  app.add_option("-H,--host", o.hosts, "Daemon socket to connect to (unix:///path, tcp://h:p)");
  app.add_option("-c,--context", o.context,
                 "Name of the context to use (overrides BERTH_HOST and `berth context use`)");
  app.add_option("--config", o.config_dir, "Location of client config files (default ~/.berth)");
  app.add_flag("-D,--debug", o.debug, "Enable debug mode");
  app.add_option("-l,--log-level", o.log_level, "Set the logging level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "fatal"}));
  app.add_flag("--tls", o.tls, "Use TLS; implied by --tlsverify");
  app.add_flag("--tlsverify", o.tls_verify, "Use TLS and verify the remote");
  app.add_option("--tlscacert", o.tls_ca, "Trust certs signed only by this CA");
  app.add_option("--tlscert", o.tls_cert, "Path to TLS certificate file");
  app.add_option("--tlskey", o.tls_key, "Path to TLS key file");
  app.require_subcommand(0, 1);
  app.fallthrough(false);

  // Which command runs: its name, and a group's command after it.
  std::vector<std::string> invoked;
  size_t i = FirstPositional(app, args, 0);
  if (i < args.size()) {
    invoked.push_back(args[i]);
    for (size_t j = i + 1; j < args.size(); ++j) {
      if (args[j].starts_with("-")) continue;  // a group's only flag is --help
      invoked.push_back(args[j]);
      break;
    }
  }
  // `berth --version` (no command) needs none of them.
  if (invoked.empty() && std::any_of(args.begin(), args.end(), [](const std::string& a) {
        return a == "-v" || a == "--version";
      })) {
    invoked.push_back("--version");  // names no command: none is made
  }
  // Asked for help: everything, so that the help is the same whatever
  // follows (`berth volume bogus --help` lists the group's commands).
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a == "--help") invoked.clear();
  }
  cli.set_invoked(std::move(invoked));

  AddContainerCommands(app, cli);
  AddImageCommands(app, cli);
  AddVolumeCommands(app, cli);
  AddNetworkCommands(app, cli);
  AddSystemCommands(app, cli);
  AddContextCommands(app, cli);
  AddRegistryCommands(app, cli);

  OneValuePerFlag(app);

  // `berth` alone: the usage, as docker prints it.
  app.callback([&app] {
    if (app.get_subcommands().empty()) std::fputs(app.help().c_str(), stdout);
  });
}

}  // namespace berth::cli

// berth: the docker-like CLI. Parses the command line (commands/command_table)
// and runs the chosen command, whose exit code becomes the process's.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands/cli.h"
#include "cli/commands/command_separator.h"
#include "cli/commands/command_table.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // `berth logs x | head`: EPIPE, not death
  berth::cli::Cli cli;
  CLI::App app("A self-sufficient runtime for containers", "berth");
  std::vector<std::string> args(argv + 1, argv + argc);
  berth::cli::BuildCommandLine(app, cli, args);
  berth::cli::InsertCommandSeparator(app, args);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Docker's answer to a bad command line: the problem, where to look,
    // and 125 (the CLI's own failure, as distinct from a container's code).
    std::string command = "berth";
    for (CLI::App* sub = &app; !sub->get_subcommands().empty();) {
      sub = sub->get_subcommands().front();
      command += " " + sub->get_name();
    }
    std::fprintf(stderr, "berth: %s\nSee '%s --help'.\n", e.what(), command.c_str());
    return 125;
  }
  std::fflush(stdout);
  return cli.exit_code();
}

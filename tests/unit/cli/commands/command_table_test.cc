#include "cli/commands/command_table.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cli/commands/cli.h"

namespace berth::cli {
namespace {

// How many options the command at `path` ("network ls") has in a command
// line built for `args` (its --help counts as one); -1 when the command
// was not made at all.
int OptionCount(const std::vector<std::string>& args, const std::vector<std::string>& path) {
  Cli cli;
  CLI::App app("test", "berth");
  BuildCommandLine(app, cli, args);
  CLI::App* at = &app;
  for (const std::string& name : path) {
    std::vector<CLI::App*> found =
        at->get_subcommands([&](CLI::App* sub) { return sub->get_name() == name; });
    if (found.empty()) return -1;
    at = found.front();
  }
  return static_cast<int>(at->get_options().size());
}

TEST_CASE("command table: only the invoked command is made, with its flags",
          "[cli][command_table]") {
  // The invoked command has its flags; the others are not there.
  CHECK(OptionCount({"ps"}, {"ps"}) > 5);
  CHECK(OptionCount({"ps"}, {"run"}) == -1);
  CHECK(OptionCount({"ps"}, {"container"}) == -1);
  // After the global flags and their values, through a group, by alias.
  CHECK(OptionCount({"-H", "unix:///x", "--log-level", "warn", "container", "ls", "-a"},
                    {"container", "ls"}) > 5);
  CHECK(OptionCount({"-H", "unix:///x", "container", "ls"}, {"container", "inspect"}) == -1);
  CHECK(OptionCount({"network", "list", "-q"}, {"network", "ls"}) > 3);
  CHECK(OptionCount({"network", "list", "-q"}, {"network", "inspect"}) == -1);
  CHECK(OptionCount({"run", "-d", "busybox"}, {"run"}) > 50);
  CHECK(OptionCount({"run", "-d", "busybox"}, {"create"}) == -1);
  // A group alone lists its commands (without their flags) in its error.
  CHECK(OptionCount({"volume"}, {"volume", "prune"}) == 1);
  // Help (anywhere before "--"), `berth` alone and completion: everything.
  CHECK(OptionCount({"--help"}, {"volume", "ls"}) > 3);
  CHECK(OptionCount({"volume", "bogus", "--help"}, {"volume", "ls"}) > 3);
  CHECK(OptionCount({"ps", "--help"}, {"run"}) > 50);
  CHECK(OptionCount({}, {"run"}) > 50);
  CHECK(OptionCount({"completion", "bash"}, {"image", "ls"}) > 5);
  CHECK(OptionCount({"run", "busybox", "--", "--help"}, {"create"}) == -1);
  // --version alone: no command at all.
  CHECK(OptionCount({"--version"}, {"ps"}) == -1);
  CHECK(OptionCount({"-H", "unix:///x", "-v"}, {"version"}) == -1);
  CHECK(OptionCount({"-v", "--help"}, {"ps"}) > 5);
}

}  // namespace
}  // namespace berth::cli

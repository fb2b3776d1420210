#include "cli/commands/registry_commands.h"

#include "cli/commands/groups.h"

namespace berth::cli {

void AddRegistryCommands(CLI::App& root, Cli& cli) {
  AddLoginCommand(root, cli);
  AddLogoutCommand(root, cli);
}

}  // namespace berth::cli

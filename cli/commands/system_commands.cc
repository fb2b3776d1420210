#include "cli/commands/system_commands.h"

#include "cli/commands/groups.h"
#include "cli/commands/system_util.h"

namespace berth::cli {

void AddSystemCommands(CLI::App& root, Cli& cli) {
  CLI::App* group = AddGroup(root, cli, "system", "Manage Berth");
  for (CLI::App* parent : {&root, group}) {
    AddVersionCommand(*parent, cli);
    AddInfoCommand(*parent, cli);
    AddEventsCommand(*parent, cli);
  }
  AddDiskUsageCommand(*group, cli);
  AddSystemPruneCommand(*group, cli);
  AddCompletionCommand(root, cli);
}

}  // namespace berth::cli

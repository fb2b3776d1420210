#include "cli/commands/container_commands.h"

#include "cli/commands/groups.h"

namespace berth::cli {

void AddContainerCommands(CLI::App& root, Cli& cli) {
  CLI::App* group = AddGroup(root, cli, "container", "Manage containers");
  AddObjectInspectCommand(root, cli);
  for (CLI::App* parent : {&root, group}) {
    bool top = parent == &root;
    AddPsCommand(*parent, cli, top ? "ps" : "ls");
    if (!top) {
      AddPsCommand(*parent, cli, "ps");
      AddPsCommand(*parent, cli, "list");
      AddContainerInspectCommand(*parent, cli);
      AddContainerPruneCommand(*parent, cli);
    }
    AddRmCommand(*parent, cli, "rm");
    if (!top) AddRmCommand(*parent, cli, "remove");
    AddStopCommand(*parent, cli);
    AddRestartCommand(*parent, cli);
    AddKillCommand(*parent, cli);
    AddPauseCommand(*parent, cli);
    AddUnpauseCommand(*parent, cli);
    AddRenameCommand(*parent, cli);
    AddWaitCommand(*parent, cli);
    AddLogsCommand(*parent, cli);
    AddTopCommand(*parent, cli);
    AddCreateCommand(*parent, cli);
    AddRunCommand(*parent, cli);
    AddStartCommand(*parent, cli);
    AddAttachCommand(*parent, cli);
    AddExecCommand(*parent, cli);
    AddStatsCommand(*parent, cli);
    AddCpCommand(*parent, cli);
    AddExportCommand(*parent, cli);
    AddDiffCommand(*parent, cli);
    AddCommitCommand(*parent, cli);
    AddUpdateCommand(*parent, cli);
    AddPortCommand(*parent, cli);
  }
}

}  // namespace berth::cli

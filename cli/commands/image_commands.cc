#include "cli/commands/image_commands.h"

#include "cli/commands/groups.h"

namespace berth::cli {

void AddImageCommands(CLI::App& root, Cli& cli) {
  CLI::App* group = AddGroup(root, cli, "image", "Manage images");
  // docker's top-level shortcuts: images pull push load save tag rmi history import.
  AddImagesCommand(root, cli, "images");
  AddRmiCommand(root, cli, "rmi");
  AddImagesCommand(*group, cli, "ls");
  AddImagesCommand(*group, cli, "list");
  AddRmiCommand(*group, cli, "rm");
  AddRmiCommand(*group, cli, "remove");
  AddImageInspectCommand(*group, cli);
  AddImagePruneCommand(*group, cli);
  for (CLI::App* parent : {&root, group}) {
    AddPullCommand(*parent, cli);
    AddPushCommand(*parent, cli);
    AddLoadCommand(*parent, cli);
    AddSaveCommand(*parent, cli);
    AddTagCommand(*parent, cli);
    AddHistoryCommand(*parent, cli);
    AddImportCommand(*parent, cli);
  }
}

}  // namespace berth::cli

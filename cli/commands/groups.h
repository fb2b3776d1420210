// Each group of commands adds its top-level shortcuts (`berth ps`) and its
// management group (`berth container ls`); command_table.cc calls them all.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands/cli.h"

namespace berth::cli {

void AddContainerCommands(CLI::App& root, Cli& cli);
void AddImageCommands(CLI::App& root, Cli& cli);
void AddVolumeCommands(CLI::App& root, Cli& cli);
void AddNetworkCommands(CLI::App& root, Cli& cli);
void AddSystemCommands(CLI::App& root, Cli& cli);
void AddContextCommands(CLI::App& root, Cli& cli);
void AddRegistryCommands(CLI::App& root, Cli& cli);  // login, logout

// A management group: `berth <name> COMMAND`, requiring a subcommand
// (cli.Unbuilt() when not needed, see AddCommand).
CLI::App* AddGroup(CLI::App& root, Cli& cli, const std::string& name,
                   const std::string& description);

}  // namespace berth::cli

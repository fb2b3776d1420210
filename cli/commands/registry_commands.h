// login and logout, one file each; registry_commands.cc adds them at the
// top level.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands/cli.h"

namespace berth::cli {

CLI::App* AddLoginCommand(CLI::App& parent, Cli& cli);
CLI::App* AddLogoutCommand(CLI::App& parent, Cli& cli);

}  // namespace berth::cli

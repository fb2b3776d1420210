// The system commands, one file each; system_commands.cc places version,
// info and events at the top level and under `berth system`, with df and
// prune under `system` only, and `completion` at the top level.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands/cli.h"

namespace berth::cli {

CLI::App* AddVersionCommand(CLI::App& parent, Cli& cli);
CLI::App* AddInfoCommand(CLI::App& parent, Cli& cli);
CLI::App* AddEventsCommand(CLI::App& parent, Cli& cli);
CLI::App* AddDiskUsageCommand(CLI::App& parent, Cli& cli);
CLI::App* AddSystemPruneCommand(CLI::App& parent, Cli& cli);
// `berth completion bash|zsh`; `root` is walked when the script is printed.
CLI::App* AddCompletionCommand(CLI::App& root, Cli& cli);

}  // namespace berth::cli

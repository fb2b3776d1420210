// The container commands, one file each; container_commands.cc places them
// at the top level and under `berth container`.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands/cli.h"

namespace berth::cli {

CLI::App* AddPsCommand(CLI::App& parent, Cli& cli, const std::string& name);
CLI::App* AddContainerInspectCommand(CLI::App& parent, Cli& cli);
CLI::App* AddStopCommand(CLI::App& parent, Cli& cli);
CLI::App* AddRestartCommand(CLI::App& parent, Cli& cli);
CLI::App* AddKillCommand(CLI::App& parent, Cli& cli);
CLI::App* AddRmCommand(CLI::App& parent, Cli& cli, const std::string& name);
CLI::App* AddPauseCommand(CLI::App& parent, Cli& cli);
CLI::App* AddUnpauseCommand(CLI::App& parent, Cli& cli);
CLI::App* AddRenameCommand(CLI::App& parent, Cli& cli);
CLI::App* AddWaitCommand(CLI::App& parent, Cli& cli);
CLI::App* AddLogsCommand(CLI::App& parent, Cli& cli);
CLI::App* AddTopCommand(CLI::App& parent, Cli& cli);
CLI::App* AddContainerPruneCommand(CLI::App& parent, Cli& cli);
CLI::App* AddCommitCommand(CLI::App& parent, Cli& cli);
CLI::App* AddUpdateCommand(CLI::App& parent, Cli& cli);
CLI::App* AddPortCommand(CLI::App& parent, Cli& cli);
// Interactive ones (run, create, start, attach, exec): container_run.cc etc.
CLI::App* AddCreateCommand(CLI::App& parent, Cli& cli);
CLI::App* AddRunCommand(CLI::App& parent, Cli& cli);
CLI::App* AddStartCommand(CLI::App& parent, Cli& cli);
CLI::App* AddAttachCommand(CLI::App& parent, Cli& cli);
CLI::App* AddExecCommand(CLI::App& parent, Cli& cli);
CLI::App* AddStatsCommand(CLI::App& parent, Cli& cli);
// Files: cp, export, diff (container_cp.cc, container_export.cc, container_diff.cc).
CLI::App* AddCpCommand(CLI::App& parent, Cli& cli);
CLI::App* AddExportCommand(CLI::App& parent, Cli& cli);
CLI::App* AddDiffCommand(CLI::App& parent, Cli& cli);
// `berth inspect`: containers, images or volumes (top level only).
CLI::App* AddObjectInspectCommand(CLI::App& parent, Cli& cli);

}  // namespace berth::cli

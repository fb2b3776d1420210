// The image commands, one file each; image_commands.cc places them at the
// top level (`berth images`, `berth rmi`...) and under `berth image`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/commands/cli.h"

namespace berth::cli {

// `images` at the top level; `ls` and `list` under `image`.
CLI::App* AddImagesCommand(CLI::App& parent, Cli& cli, const std::string& name);
CLI::App* AddPullCommand(CLI::App& parent, Cli& cli);
CLI::App* AddPushCommand(CLI::App& parent, Cli& cli);
CLI::App* AddLoadCommand(CLI::App& parent, Cli& cli);
CLI::App* AddSaveCommand(CLI::App& parent, Cli& cli);
CLI::App* AddTagCommand(CLI::App& parent, Cli& cli);
// `rmi` at the top level; `rm` and `remove` under `image`.
CLI::App* AddRmiCommand(CLI::App& parent, Cli& cli, const std::string& name);
CLI::App* AddHistoryCommand(CLI::App& parent, Cli& cli);
CLI::App* AddImportCommand(CLI::App& parent, Cli& cli);
// `image inspect` (the top-level `inspect` takes any object).
CLI::App* AddImageInspectCommand(CLI::App& parent, Cli& cli);
CLI::App* AddImagePruneCommand(CLI::App& parent, Cli& cli);

}  // namespace berth::cli

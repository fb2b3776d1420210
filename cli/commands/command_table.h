// The berth command line: docker's top-level commands and its management
// groups (container, image, volume, system, context), each command added by
// its own file.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/commands/cli.h"

namespace berth::cli {

// Adds the global flags and every command to `app`. `args` (without the
// program name) tells which command will run, whose flags alone are built
// when they are costly (Cli::Builds).
void BuildCommandLine(CLI::App& app, Cli& cli, const std::vector<std::string>& args);

}  // namespace berth::cli

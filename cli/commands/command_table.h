// The berth command line: docker's top-level commands and its management
// groups (container, image, volume, system, context), each command added by
// its own file.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands/cli.h"

namespace berth::cli {

// Adds the global flags and every command to `app`.
void BuildCommandLine(CLI::App& app, Cli& cli);

}  // namespace berth::cli

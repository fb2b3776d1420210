// The "Are you sure you want to continue? [y/N]" question prune commands
// ask unless --force is given.
#pragma once

#include <string>

#include "cli/commands/cli.h"

namespace berth::cli {

// Prints `warning` and the question; true when the answer read from stdin
// starts with y or Y. End of input is a no.
bool Confirm(Cli& cli, const std::string& warning);

}  // namespace berth::cli

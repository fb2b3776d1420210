// `berth context`: docker's context store commands (create, ls, inspect,
// rm, use, show) over cli/config/contexts.h, and the current context's name
// that version and info show.
#pragma once

#include <string>

#include "cli/commands/cli.h"

namespace berth::cli {

// The context a command would talk to, by docker's rules (-H and
// BERTH_HOST mean "default"; then --context, BERTH_CONTEXT, config.json).
std::string CurrentContextName(Cli& cli);

}  // namespace berth::cli

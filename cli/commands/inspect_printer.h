// What `inspect` prints: the objects as an indented JSON array in the
// daemon's field order, or each rendered with -f / --format.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/commands/cli.h"

namespace berth::cli {

// `raw_objects` are the daemon's JSON texts, one per object.
absl::Status PrintInspected(Cli& cli, const std::vector<std::string>& raw_objects,
                            const std::string& format);

}  // namespace berth::cli

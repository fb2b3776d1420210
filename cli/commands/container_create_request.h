// POST /containers/create, pulling the image first when the daemon lacks
// it (--pull missing/always), as run and create both do.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cli/commands/cli.h"
#include "cli/commands/create_flags.h"

namespace berth::cli {

// The new container's id. Warnings go to stderr.
absl::StatusOr<std::string> CreateContainer(Cli& cli, const CreateFlags& flags,
                                            const std::string& image,
                                            const std::vector<std::string>& args, bool detached);

}  // namespace berth::cli

// Commands that act on several containers or images (stop a b c): each
// target in turn, its name printed on success, each failure printed, and
// exit 1 if any failed, as docker does.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/commands/cli.h"

namespace berth::cli {

int ForEachTarget(Cli& cli, const std::vector<std::string>& targets,
                  const std::function<absl::Status(const std::string&)>& act,
                  bool print_names = true);

}  // namespace berth::cli

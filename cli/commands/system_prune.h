// The pruners `system prune` runs in docker's order (containers, networks,
// volumes with --volumes, images, build cache); `volume prune` is one of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/commands/cli.h"

namespace berth::cli {

struct PruneResult {
  bool cancelled = false;  // the question was answered no
  uint64_t space_reclaimed = 0;
  std::string output;  // "Deleted Volumes:\n<name>\n...", or ""
};

// POST /volumes/prune with docker's question unless `force`; `all` adds
// all=true (named volumes too). `filters` are --filter values.
absl::StatusOr<PruneResult> PruneVolumes(Cli& cli, const std::vector<std::string>& filters,
                                         bool all, bool force);

// The question `system prune` asks, without its last line ("Are you sure
// you want to continue?", which Confirm adds).
std::string SystemPruneWarning(bool all, bool volumes, const std::vector<std::string>& filters);

}  // namespace berth::cli

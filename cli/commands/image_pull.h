// Pulling an image, shared by `pull` and by `run` / `create` when the image
// is missing: POST /images/create with the registry's credentials from the
// config, the progress printed to `out` (bars on a terminal).
#pragma once

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "cli/commands/cli.h"

namespace berth::cli {

struct PullRequest {
  std::string reference;  // "busybox", "127.0.0.1:5000/x:1", "x@sha256:..."
  std::string platform;   // "" = the daemon's
  bool all_tags = false;
  bool quiet = false;  // no progress (`pull -q` then prints only the reference)
};

// Errors: the daemon's (e.g. not found naming registry and reference) or a
// stream error message.
absl::Status PullImage(Cli& cli, const PullRequest& request, std::FILE* out);

}  // namespace berth::cli

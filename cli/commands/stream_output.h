// Where a streamed tar goes: stdout, or a file written beside its target
// and renamed over it once complete (mode 0600), as docker's atomicwriter
// does for `docker export -o`.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cli/client/engine_client.h"

namespace berth::cli {

// The rest of `stream` to `fd`.
absl::Status CopyStream(client::BodyStream& stream, int fd);

// The rest of `stream` into `path` atomically; errors start with `what`
// ("failed to export container").
absl::Status CopyStreamToFile(client::BodyStream& stream, const std::string& path,
                              const std::string& what);

}  // namespace berth::cli

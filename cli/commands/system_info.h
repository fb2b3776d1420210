// What `version` and `info` say about the client itself.
#pragma once

#include <string>

#include "cli/commands/cli.h"

namespace berth::cli {

struct ClientVersion {
  std::string version;              // BERTH_CLI_VERSION
  std::string api_version;          // negotiated with the daemon, else the default
  std::string default_api_version;  // client::kApiVersion
  std::string os = "linux";
  std::string arch;  // Go's GOARCH names: amd64, arm64...
  std::string context;
};

// With `negotiate`, asks the daemon (HEAD /_ping) for the API version and
// falls back to the default when it cannot be reached.
ClientVersion CurrentClientVersion(Cli& cli, bool negotiate);

}  // namespace berth::cli

// What the image commands share: the X-Registry-Auth header for a
// registry, the daemon's JSON message stream printed as docker prints it
// (progress bars on a terminal, plain lines otherwise), request bodies
// streamed from a file descriptor, and --platform as the API's JSON.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cli/client/engine_client.h"
#include "cli/commands/cli.h"
#include "cli/config/config_file.h"

namespace berth::cli {

// The config file (config.json) of the config directory in use.
absl::StatusOr<config::ConfigFile> LoadConfig(Cli& cli);

// The X-Registry-Auth value for `registry` ("docker.io", "127.0.0.1:5000"):
// the stored credentials (helper or config.json), or "e30=" ({}) when none.
absl::StatusOr<std::string> RegistryAuthFor(Cli& cli, std::string_view registry);

// Prints the daemon's JSON messages (pull, push, load, import) to `out`,
// nothing when `quiet`; progress bars when `out` is a terminal. A message
// carrying "error" ends it: that message as an Unknown status (docker
// prints it alone, exit 1).
absl::Status DisplayJsonMessages(client::BodyStream& stream, std::FILE* out, bool quiet);

// A request body read from `fd` in 64 KiB pieces ("" at its end). `fd` is
// not owned.
client::BodyReader FdReader(int fd);

// docker's "Info -> " note (tui.PrintNote, its plain form): a blank line,
// the header, and each further line of `text` indented under the first.
void PrintNote(std::FILE* out, std::string_view text);

// Whether `text` names a repository alone, with no tag and no digest
// (docker's reference.IsNameOnly: pull and push then add ":latest").
bool IsNameOnly(std::string_view text);

// "linux/amd64/v8" -> {"os":"linux","architecture":"amd64","variant":"v8"};
// null when malformed.
nlohmann::json PlatformJson(std::string_view platform);

}  // namespace berth::cli

// Which daemon a berth command talks to, with docker's precedence
// (docker/cli cli/command/cli.go resolveContextName, getServerHost):
//   -H  >  --context  >  BERTH_HOST  >  BERTH_CONTEXT  >  currentContext
//   >  the default socket (unix:///run/berth/berth.sock).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/config/config_file.h"

namespace berth::cli::config {

inline constexpr char kHostEnv[] = "BERTH_HOST";
inline constexpr char kContextEnv[] = "BERTH_CONTEXT";

struct ResolvedHost {
  std::string host;          // as given: "unix:///...", "tcp://h:2376", "/path"
  std::string context_name;  // "default" unless a stored context was chosen
  // Paths of the context's PEM files; empty when it has none (and always for
  // the default context: --tlscacert & co. are the command line's business).
  std::string ca;
  std::string cert;
  std::string key;
  bool skip_tls_verify = false;
};

// `flag_hosts`: every -H given; `flag_context`: --context ("" when absent);
// `env`: the environment (BERTH_HOST, BERTH_CONTEXT; empty counts as unset);
// `config`: the loaded config.json, whose dir() holds the context store.
// Errors: -H with --context, or more than one -H -> InvalidArgument; a
// context that does not exist -> NotFound naming it and the store directory.
absl::StatusOr<ResolvedHost> ResolveHost(const std::vector<std::string>& flag_hosts,
                                         std::string_view flag_context, const EnvLookup& env,
                                         const ConfigFile& config);

// Just the context name the rules above pick ("default" for -H / BERTH_HOST).
std::string ResolveContextName(const std::vector<std::string>& flag_hosts,
                               std::string_view flag_context, const EnvLookup& env,
                               const ConfigFile& config);

}  // namespace berth::cli::config

// Registry credentials, where docker keeps them (docker/cli
// cli/config/credentials): in a credential helper `docker-credential-<name>`
// named by credHelpers[registry] or credsStore, otherwise in config.json's
// `auths`. Helpers speak the docker-credential-helpers protocol:
//   get    stdin: server URL          stdout: {"ServerURL","Username","Secret"}
//   store  stdin: that JSON
//   erase  stdin: server URL
// and a "credentials not found" answer (exit status non-zero) means none.
// A username of "<token>" means the secret is an identity token.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cli/config/config_file.h"
#include "common/spawn.h"

namespace berth::cli::config {

// The key docker files Docker Hub's credentials under.
inline constexpr char kIndexServer[] = "https://index.docker.io/v1/";
inline constexpr char kCredentialHelperPrefix[] = "docker-credential-";
inline constexpr char kTokenUsername[] = "<token>";

struct AuthConfig {
  std::string username;
  std::string password;
  std::string server_address;
  std::string identity_token;

  // No credentials (server_address alone does not count).
  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
  friend bool operator==(const AuthConfig&, const AuthConfig&) = default;
};

// "https://reg.example:5000/v2/" -> "reg.example:5000": the scheme, any
// user info and the path dropped (docker's credentials.ConvertToHostname).
std::string ConvertToHostname(std::string_view url);

// The key credentials are filed under: Docker Hub ("", docker.io,
// index.docker.io, registry-1.docker.io, with or without scheme or path) ->
// kIndexServer; any other registry -> its hostname[:port].
std::string RegistryKey(std::string_view registry);

// Runs a credential helper: `options` has argv {program, action} and
// search_path set; `input` goes to its stdin. The default runs it with
// RunAndCapture; tests inject one that waits through their child reaper.
using HelperRunner = std::function<absl::StatusOr<SpawnResult>(const SpawnOptions& options,
                                                               const std::string& input)>;
HelperRunner DefaultHelperRunner();

// The helper name for `registry` (credHelpers by key, then by hostname, then
// credsStore); empty when credentials live in the file.
std::string CredentialHelperFor(const ConfigFile& config, std::string_view registry);

// The credentials for `registry`; when there are none, an AuthConfig with only
// server_address (the registry key) set. A helper that fails other than with
// "credentials not found" is an error naming the helper.
absl::StatusOr<AuthConfig> GetCredentials(const ConfigFile& config, std::string_view registry,
                                          const HelperRunner& run = DefaultHelperRunner());

// Stores `auth` under RegistryKey(auth.server_address), in its helper or in
// `auths`, and saves config.json (with a helper, docker leaves an empty
// `auths` entry as a marker that there are credentials; so does this).
absl::Status StoreCredentials(ConfigFile* config, const AuthConfig& auth,
                              const HelperRunner& run = DefaultHelperRunner());

// Removes the credentials for `registry` from its helper (none there is fine)
// and from `auths` (also legacy keys of the same host), saving config.json
// when it changed.
absl::Status EraseCredentials(ConfigFile* config, std::string_view registry,
                              const HelperRunner& run = DefaultHelperRunner());

}  // namespace berth::cli::config

// Registry authentication pieces (containerd remotes/docker/auth): the
// WWW-Authenticate challenges of a 401 and credentials from a docker-style
// config.json.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::containerd::registry {

struct Challenge {
  std::string scheme;                         // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lowercase: realm, service, scope, error
};

// Every challenge in a WWW-Authenticate header value (RFC 7235:
// `Bearer realm="https://a/token",service="reg",scope="repository:x:pull"`);
// malformed parts are skipped.
std::vector<Challenge> ParseWwwAuthenticate(std::string_view header);

struct Credentials {
  std::string username;
  std::string password;
};

// The credentials for registry `host` in the docker config.json at
// `config_path`: `auths.<key>.auth` (base64 "user:pass") or its
// username/password fields, where key is the host, "https://host",
// "http://host" or (for docker.io) "https://index.docker.io/v1/".
// nullopt when there are none; an unreadable or malformed file is an error.
absl::StatusOr<std::optional<Credentials>> LookupCredentials(const std::string& config_path,
                                                             std::string_view host);
// The same over the file's text.
absl::StatusOr<std::optional<Credentials>> LookupCredentialsIn(std::string_view config_json,
                                                               std::string_view host);

std::string Base64Encode(std::string_view data);
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace berth::containerd::registry

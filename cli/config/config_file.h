// The CLI's config directory and its config.json, in docker's format
// (docker/cli cli/config/configfile) so a docker user's file carries over:
//   {"auths": {"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"}},
//    "credsStore": "pass", "credHelpers": {"gcr.io": "gcloud"},
//    "currentContext": "remote", "psFormat": "...", "imagesFormat": "...",
//    "detachKeys": "ctrl-x,x", "HttpHeaders": {"X-Meta": "1"}}
// Fields Berth does not know are kept as they are when the file is saved.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::cli::config {

inline constexpr char kConfigFileName[] = "config.json";
inline constexpr char kConfigDirName[] = ".berth";
inline constexpr char kConfigEnv[] = "BERTH_CONFIG";

// Looks up an environment variable; nullopt when unset. Injected so callers
// (and tests) decide what the environment is.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real process environment (getenv).
EnvLookup ProcessEnv();

// The config directory: `flag` (--config) when given, else $BERTH_CONFIG,
// else ~/.berth ($HOME, or the passwd entry). FailedPrecondition when no
// home directory can be found.
absl::StatusOr<std::string> ConfigDir(std::string_view flag, const EnvLookup& env = ProcessEnv());

// One `auths` entry, decoded: `auth` (base64 "user:pass") becomes
// username/password on load and is written back from them on save.
struct AuthEntry {
  std::string username;
  std::string password;
  std::string email;
  std::string identity_token;  // "identitytoken"
  std::string registry_token;  // "registrytoken"

  friend bool operator==(const AuthEntry&, const AuthEntry&) = default;
};

class ConfigFile {
 public:
  // An empty config that would be saved under `dir`.
  explicit ConfigFile(std::string dir = "");

  // Reads <dir>/config.json. A missing file is an empty config; malformed
  // JSON or a field of the wrong type is an InvalidArgument naming the file.
  static absl::StatusOr<ConfigFile> Load(const std::string& dir);

  // Writes <dir>/config.json atomically with mode 0600 (the directory is
  // created 0700 when missing); a symlinked config.json stays a symlink and
  // its target is replaced. Unknown top-level fields are written back
  // unchanged; empty known fields are omitted, except `auths`.
  absl::Status Save() const;

  const std::string& dir() const { return dir_; }
  // <dir>/config.json
  std::string path() const;

  // Registry key ("https://index.docker.io/v1/", "registry.example:5000")
  // -> credentials. See credentials.h for going through credential helpers.
  const std::map<std::string, AuthEntry>& auths() const { return auths_; }
  std::map<std::string, AuthEntry>* mutable_auths() { return &auths_; }

  const std::string& creds_store() const { return creds_store_; }
  void set_creds_store(std::string value) { creds_store_ = std::move(value); }

  // Registry hostname -> credential helper name (docker-credential-<name>).
  const std::map<std::string, std::string>& cred_helpers() const { return cred_helpers_; }
  std::map<std::string, std::string>* mutable_cred_helpers() { return &cred_helpers_; }

  const std::string& current_context() const { return current_context_; }
  void set_current_context(std::string value) { current_context_ = std::move(value); }

  const std::string& ps_format() const { return ps_format_; }
  void set_ps_format(std::string value) { ps_format_ = std::move(value); }

  const std::string& images_format() const { return images_format_; }
  void set_images_format(std::string value) { images_format_ = std::move(value); }

  const std::string& detach_keys() const { return detach_keys_; }
  void set_detach_keys(std::string value) { detach_keys_ = std::move(value); }

  // Extra headers sent with every Engine API request.
  const std::map<std::string, std::string>& http_headers() const { return http_headers_; }
  std::map<std::string, std::string>* mutable_http_headers() { return &http_headers_; }

  // The document Save() would write.
  nlohmann::json ToJson() const;

 private:
  // Fills the typed fields from raw_.
  absl::Status ParseFields();

  std::string dir_;
  nlohmann::json raw_ = nlohmann::json::object();  // as loaded: keeps unknown fields
  std::map<std::string, AuthEntry> auths_;
  std::string creds_store_;
  std::map<std::string, std::string> cred_helpers_;
  std::string current_context_;
  std::string ps_format_;
  std::string images_format_;
  std::string detach_keys_;
  std::map<std::string, std::string> http_headers_;
};

}  // namespace berth::cli::config

#include "cli/config/credentials.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli::config {

namespace {

bool IsDockerHub(std::string_view host) {
  return host.empty() || host == "docker.io" || host == "index.docker.io" ||
         host == "registry-1.docker.io";
}

std::string HelperProgram(const std::string& helper) { return kCredentialHelperPrefix + helper; }

// What a helper said on failure: its stdout (where docker-credential-helpers
// print errors), else its stderr.
std::string HelperMessage(const SpawnResult& result) {
  std::string_view out = TrimSpace(result.out);
  if (out.empty()) out = TrimSpace(result.err);
  return std::string(out);
}

bool IsNotFoundMessage(std::string_view message) {
  return message.find("credentials not found") != std::string_view::npos;
}

absl::StatusOr<SpawnResult> RunHelper(const HelperRunner& run, const std::string& helper,
                                      const std::string& action, const std::string& input) {
  SpawnOptions options;
  options.argv = {HelperProgram(helper), action};
  options.search_path = true;
  absl::StatusOr<SpawnResult> result = run(options, input);
  if (!result.ok()) {
    return WithContext(result.status(),
                       fmt::format("credential helper {} {}", HelperProgram(helper), action));
  }
  return result;
}

absl::Status HelperFailure(const std::string& helper, const std::string& action,
                           const std::string& server, const SpawnResult& result) {
  std::string message = HelperMessage(result);
  return Errorf(absl::StatusCode::kUnavailable, "credential helper {} {} {}: exit status {}{}{}",
                HelperProgram(helper), action, server, result.status.code,
                message.empty() ? "" : ": ", message);
}

absl::StatusOr<AuthConfig> HelperGet(const HelperRunner& run, const std::string& helper,
                                     const std::string& key) {
  AuthConfig auth;
  auth.server_address = key;
  BERTH_ASSIGN_OR_RETURN(SpawnResult result, RunHelper(run, helper, "get", key));
  if (!result.status.success()) {
    if (IsNotFoundMessage(HelperMessage(result))) return auth;
    return HelperFailure(helper, "get", key, result);
  }
  std::string what = fmt::format("credential helper {} get {}: output", HelperProgram(helper), key);
  BERTH_ASSIGN_OR_RETURN(json::Json doc, json::Parse(result.out, what));
  json::View view(doc, "");
  std::string username, secret;
  absl::Status parsed = view.ExpectObject();
  if (parsed.ok()) parsed = view.Get("Username", &username);
  if (parsed.ok()) parsed = view.Get("Secret", &secret);
  if (!parsed.ok()) return WithContext(parsed, what);
  if (username == kTokenUsername) {
    auth.identity_token = std::move(secret);
  } else {
    auth.username = std::move(username);
    auth.password = std::move(secret);
  }
  return auth;
}

absl::Status HelperStore(const HelperRunner& run, const std::string& helper, const std::string& key,
                         const AuthConfig& auth) {
  nlohmann::ordered_json creds;
  creds["ServerURL"] = key;
  if (!auth.identity_token.empty()) {
    creds["Username"] = kTokenUsername;
    creds["Secret"] = auth.identity_token;
  } else {
    creds["Username"] = auth.username;
    creds["Secret"] = auth.password;
  }
  std::string input = creds.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  BERTH_ASSIGN_OR_RETURN(SpawnResult result, RunHelper(run, helper, "store", input));
  if (!result.status.success()) return HelperFailure(helper, "store", key, result);
  return absl::OkStatus();
}

absl::Status HelperErase(const HelperRunner& run, const std::string& helper,
                         const std::string& key) {
  BERTH_ASSIGN_OR_RETURN(SpawnResult result, RunHelper(run, helper, "erase", key));
  if (!result.status.success() && !IsNotFoundMessage(HelperMessage(result))) {
    return HelperFailure(helper, "erase", key, result);
  }
  return absl::OkStatus();
}

// The `auths` entry for `key`: exactly that key, else a legacy key of the same
// registry ("https://reg:5000", "docker.io").
const AuthEntry* FindFileEntry(const ConfigFile& config, const std::string& key) {
  const auto& auths = config.auths();
  if (auto it = auths.find(key); it != auths.end()) return &it->second;
  for (const auto& [other, entry] : auths) {
    if (RegistryKey(other) == key) return &entry;
  }
  return nullptr;
}

}  // namespace

std::string ConvertToHostname(std::string_view url) {
  std::string_view rest = url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  return std::string(rest);
}

std::string RegistryKey(std::string_view registry) {
  std::string host = ConvertToHostname(TrimSpace(registry));
  if (IsDockerHub(host)) return kIndexServer;
  return host;
}

HelperRunner DefaultHelperRunner() {
  return [](const SpawnOptions& options, const std::string& input) {
    return RunAndCapture(options, input);
  };
}

std::string CredentialHelperFor(const ConfigFile& config, std::string_view registry) {
  std::string key = RegistryKey(registry);
  const auto& helpers = config.cred_helpers();
  for (const std::string& candidate : {key, ConvertToHostname(key)}) {
    if (auto it = helpers.find(candidate); it != helpers.end() && !it->second.empty()) {
      return it->second;
    }
  }
  return config.creds_store();
}

absl::StatusOr<AuthConfig> GetCredentials(const ConfigFile& config, std::string_view registry,
                                          const HelperRunner& run) {
  std::string key = RegistryKey(registry);
  if (std::string helper = CredentialHelperFor(config, key); !helper.empty()) {
    return HelperGet(run, helper, key);
  }
  AuthConfig auth;
  auth.server_address = key;
  if (const AuthEntry* entry = FindFileEntry(config, key)) {
    auth.username = entry->username;
    auth.password = entry->password;
    auth.identity_token = entry->identity_token;
  }
  return auth;
}

absl::Status StoreCredentials(ConfigFile* config, const AuthConfig& auth, const HelperRunner& run) {
  std::string key = RegistryKey(auth.server_address);
  if (std::string helper = CredentialHelperFor(*config, key); !helper.empty()) {
    BERTH_RETURN_IF_ERROR(HelperStore(run, helper, key, auth));
    // The file keeps an empty entry (and any email): the helper has the rest.
    AuthEntry& entry = (*config->mutable_auths())[key];
    entry.username.clear();
    entry.password.clear();
    entry.identity_token.clear();
  } else {
    AuthEntry& entry = (*config->mutable_auths())[key];
    entry.username = auth.username;
    entry.password = auth.password;
    entry.identity_token = auth.identity_token;
  }
  return config->Save();
}

absl::Status EraseCredentials(ConfigFile* config, std::string_view registry,
                              const HelperRunner& run) {
  std::string key = RegistryKey(registry);
  if (std::string helper = CredentialHelperFor(*config, key); !helper.empty()) {
    BERTH_RETURN_IF_ERROR(HelperErase(run, helper, key));
  }
  auto* auths = config->mutable_auths();
  bool changed = false;
  for (auto it = auths->begin(); it != auths->end();) {
    if (it->first == key || RegistryKey(it->first) == key) {
      it = auths->erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (!changed) return absl::OkStatus();
  return config->Save();
}

}  // namespace berth::cli::config

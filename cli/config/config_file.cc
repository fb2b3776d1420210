#include "cli/config/config_file.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "cli/config/base64.h"
#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli::config {

namespace {

using Json = nlohmann::json;

// The fields of config.json this class types; everything else stays in raw_.
constexpr char kAuths[] = "auths";
constexpr char kCredsStore[] = "credsStore";
constexpr char kCredHelpers[] = "credHelpers";
constexpr char kCurrentContext[] = "currentContext";
constexpr char kPsFormat[] = "psFormat";
constexpr char kImagesFormat[] = "imagesFormat";
constexpr char kDetachKeys[] = "detachKeys";
constexpr char kHttpHeaders[] = "HttpHeaders";

std::string HomeDir(const EnvLookup& env) {
  if (std::optional<std::string> home = env("HOME"); home && !home->empty()) return *home;
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  struct passwd pw;
  struct passwd* result = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr &&
      result->pw_dir != nullptr) {
    return result->pw_dir;
  }
  return "";
}

// docker's decodeAuth: base64("user:pass"), the user non-empty, NULs trimmed
// from the password.
absl::Status DecodeAuth(const json::View& view, AuthEntry* entry) {
  std::string encoded;
  BERTH_RETURN_IF_ERROR(view.To(&encoded));
  if (encoded.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> decoded = Base64Decode(encoded);
  if (!decoded.ok()) return view.Error(ToStd(decoded.status().message()));
  size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) {
    return view.Error("invalid auth configuration: expected base64 of \"username:password\"");
  }
  entry->username = decoded->substr(0, colon);
  std::string password = decoded->substr(colon + 1);
  while (!password.empty() && password.back() == '\0') password.pop_back();
  size_t start = password.find_first_not_of('\0');
  entry->password = start == std::string::npos ? "" : password.substr(start);
  return absl::OkStatus();
}

absl::Status ParseAuths(const json::View& auths, std::map<std::string, AuthEntry>* out) {
  BERTH_RETURN_IF_ERROR(auths.ExpectObject());
  for (const std::string& key : auths.Keys()) {
    std::optional<json::View> item = auths.Member(key);
    if (!item) continue;  // null entry
    BERTH_RETURN_IF_ERROR(item->ExpectObject());
    AuthEntry entry;
    BERTH_RETURN_IF_ERROR(item->Get("username", &entry.username));
    BERTH_RETURN_IF_ERROR(item->Get("password", &entry.password));
    if (std::optional<json::View> auth = item->Member("auth")) {
      BERTH_RETURN_IF_ERROR(DecodeAuth(*auth, &entry));
    }
    BERTH_RETURN_IF_ERROR(item->Get("email", &entry.email));
    BERTH_RETURN_IF_ERROR(item->Get("identitytoken", &entry.identity_token));
    BERTH_RETURN_IF_ERROR(item->Get("registrytoken", &entry.registry_token));
    (*out)[key] = std::move(entry);
  }
  return absl::OkStatus();
}

void SetOrErase(Json* doc, const char* key, const std::string& value) {
  if (value.empty()) {
    doc->erase(key);
  } else {
    (*doc)[key] = value;
  }
}

void SetOrErase(Json* doc, const char* key, const std::map<std::string, std::string>& value) {
  if (value.empty()) {
    doc->erase(key);
  } else {
    (*doc)[key] = value;
  }
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<std::string> ConfigDir(std::string_view flag, const EnvLookup& env) {
  if (!flag.empty()) return std::string(flag);
  if (std::optional<std::string> dir = env(kConfigEnv); dir && !dir->empty()) return *dir;
  std::string home = HomeDir(env);
  if (home.empty()) {
    return FailedPreconditionf(
        "cannot find the home directory for the config: set HOME, {} or --config", kConfigEnv);
  }
  return JoinPath(home, kConfigDirName);
}

ConfigFile::ConfigFile(std::string dir) : dir_(std::move(dir)) {}

std::string ConfigFile::path() const { return JoinPath(dir_, kConfigFileName); }

absl::StatusOr<ConfigFile> ConfigFile::Load(const std::string& dir) {
  ConfigFile config(dir);
  std::string file = config.path();
  absl::StatusOr<std::string> text = ReadFile(file);
  if (!text.ok()) {
    if (ErrnoOf(text.status()) == ENOENT) return config;
    return WithContext(text.status(), "load config");
  }
  // docker accepts an empty file as an empty config.
  if (TrimSpace(*text).empty()) return config;
  BERTH_ASSIGN_OR_RETURN(config.raw_, json::Parse(*text, file));
  absl::Status parsed = config.ParseFields();
  if (!parsed.ok()) return WithContext(parsed, file);
  return config;
}

absl::Status ConfigFile::ParseFields() {
  json::View root(raw_, "");
  BERTH_RETURN_IF_ERROR(root.ExpectObject());
  if (std::optional<json::View> auths = root.Member(kAuths)) {
    BERTH_RETURN_IF_ERROR(ParseAuths(*auths, &auths_));
  }
  BERTH_RETURN_IF_ERROR(root.Get(kCredsStore, &creds_store_));
  BERTH_RETURN_IF_ERROR(root.Get(kCredHelpers, &cred_helpers_));
  BERTH_RETURN_IF_ERROR(root.Get(kCurrentContext, &current_context_));
  BERTH_RETURN_IF_ERROR(root.Get(kPsFormat, &ps_format_));
  BERTH_RETURN_IF_ERROR(root.Get(kImagesFormat, &images_format_));
  BERTH_RETURN_IF_ERROR(root.Get(kDetachKeys, &detach_keys_));
  return root.Get(kHttpHeaders, &http_headers_);
}

Json ConfigFile::ToJson() const {
  Json doc = raw_.is_object() ? raw_ : Json::object();
  Json auths = Json::object();
  const Json* old_auths = doc.contains(kAuths) && doc[kAuths].is_object() ? &doc[kAuths] : nullptr;
  for (const auto& [key, entry] : auths_) {
    // Start from the entry as loaded so fields Berth does not know survive.
    Json item = Json::object();
    if (old_auths != nullptr) {
      auto it = old_auths->find(key);
      if (it != old_auths->end() && it->is_object()) item = *it;
    }
    // As docker's SaveToWriter: the credentials go into `auth` only.
    for (const char* field : {"username", "password", "serveraddress", "auth"}) item.erase(field);
    if (!entry.username.empty() || !entry.password.empty()) {
      item["auth"] = Base64Encode(entry.username + ":" + entry.password);
    }
    SetOrErase(&item, "email", entry.email);
    SetOrErase(&item, "identitytoken", entry.identity_token);
    SetOrErase(&item, "registrytoken", entry.registry_token);
    auths[key] = std::move(item);
  }
  doc[kAuths] = std::move(auths);
  SetOrErase(&doc, kCredsStore, creds_store_);
  SetOrErase(&doc, kCredHelpers, cred_helpers_);
  SetOrErase(&doc, kCurrentContext, current_context_);
  SetOrErase(&doc, kPsFormat, ps_format_);
  SetOrErase(&doc, kImagesFormat, images_format_);
  SetOrErase(&doc, kDetachKeys, detach_keys_);
  SetOrErase(&doc, kHttpHeaders, http_headers_);
  return doc;
}

absl::Status ConfigFile::Save() const {
  if (dir_.empty()) return FailedPreconditionf("save config: no config directory");
  BERTH_RETURN_IF_ERROR(WithContext(MkdirAll(dir_, 0700), "save config"));
  std::string target = path();
  // Replace a symlink's target, not the symlink (docker does the same).
  struct stat st;
  if (::lstat(target.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    char* real = ::realpath(target.c_str(), nullptr);
    if (real != nullptr) {
      target = real;
      ::free(real);
    }
  }
  // Tab-indented, as docker's json.MarshalIndent(config, "", "\t").
  std::string text = ToJson().dump(1, '\t', false, Json::error_handler_t::replace);
  text += '\n';
  return WithContext(WriteFileAtomic(target, text, 0600), "save config");
}

}  // namespace berth::cli::config

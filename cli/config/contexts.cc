#include "cli/config/contexts.h"

#include <errno.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli::config {

namespace {

constexpr char kContextsDir[] = "contexts";
constexpr char kMetaFile[] = "meta.json";
constexpr char kDockerEndpoint[] = "docker";
constexpr char kCaFile[] = "ca.pem";
constexpr char kCertFile[] = "cert.pem";
constexpr char kKeyFile[] = "key.pem";
constexpr char kInMemory[] = "<IN MEMORY>";

bool IsNameChar(char c, bool first) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return !first && (c == '_' || c == '.' || c == '+' || c == '-');
}

// Reads the PEM files present in `tls_dir` into contents and paths.
absl::Status ReadTls(const std::string& tls_dir, Context* context) {
  struct Item {
    const char* file;
    std::string* content;
    std::string* path;
  };
  for (const Item& item : {Item{kCaFile, &context->tls.ca, &context->tls_paths.ca},
                           Item{kCertFile, &context->tls.cert, &context->tls_paths.cert},
                           Item{kKeyFile, &context->tls.key, &context->tls_paths.key}}) {
    std::string path = JoinPath(tls_dir, item.file);
    absl::StatusOr<std::string> data = ReadFile(path);
    if (!data.ok()) {
      if (ErrnoOf(data.status()) == ENOENT) continue;
      return WithContext(data.status(), fmt::format("context \"{}\" tls", context->name));
    }
    *item.content = std::move(*data);
    *item.path = std::move(path);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateContextName(std::string_view name) {
  if (name.empty()) return InvalidArgumentf("context name cannot be empty");
  if (name == kDefaultContextName)
    return InvalidArgumentf("\"{}\" is a reserved context name", name);
  bool valid = name.size() >= 2;
  for (size_t i = 0; valid && i < name.size(); ++i) valid = IsNameChar(name[i], i == 0);
  if (!valid) {
    return InvalidArgumentf(
        "context name \"{}\" is invalid, names are validated against regexp \"{}\"", name,
        kContextNamePattern);
  }
  return absl::OkStatus();
}

ContextStore::ContextStore(std::string config_dir, std::string default_host)
    : config_dir_(std::move(config_dir)), default_host_(std::move(default_host)) {}

std::string ContextStore::dir() const { return JoinPath(config_dir_, kContextsDir); }

std::string ContextStore::ContextId(std::string_view name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(name.data(), name.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string ContextStore::MetaPath(std::string_view name) const {
  return JoinPath(JoinPath(JoinPath(dir(), "meta"), ContextId(name)), kMetaFile);
}

std::string ContextStore::TlsDir(std::string_view name) const {
  return JoinPath(JoinPath(JoinPath(dir(), "tls"), ContextId(name)), kDockerEndpoint);
}

Context ContextStore::DefaultContext() const {
  Context context;
  context.name = kDefaultContextName;
  context.description = "Current BERTH_HOST based configuration";
  context.host = default_host_;
  return context;
}

absl::StatusOr<Context> ContextStore::ReadMeta(const std::string& meta_path) const {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(meta_path));
  BERTH_ASSIGN_OR_RETURN(json::Json doc, json::Parse(text, meta_path));
  json::View root(doc, "");
  Context context;
  absl::Status status = root.ExpectObject();
  if (status.ok()) status = root.Require("Name", &context.name);
  if (status.ok()) {
    if (std::optional<json::View> metadata = root.Member("Metadata")) {
      status = metadata->Get("Description", &context.description);
    }
  }
  if (status.ok()) {
    std::optional<json::View> endpoints = root.Member("Endpoints");
    std::optional<json::View> docker =
        endpoints ? endpoints->Member(kDockerEndpoint) : std::nullopt;
    if (docker) {
      status = docker->Get("Host", &context.host);
      if (status.ok()) status = docker->Get("SkipTLSVerify", &context.skip_tls_verify);
    }
  }
  if (!status.ok()) return WithContext(status, meta_path);
  BERTH_RETURN_IF_ERROR(ReadTls(TlsDir(context.name), &context));
  return context;
}

absl::StatusOr<std::vector<Context>> ContextStore::List() const {
  std::vector<Context> contexts = {DefaultContext()};
  std::string meta_root = JoinPath(dir(), "meta");
  std::error_code ec;
  std::filesystem::directory_iterator it(meta_root, ec);
  if (ec == std::errc::no_such_file_or_directory) return contexts;
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string meta_path = JoinPath(it->path().string(), kMetaFile);
    if (!PathExists(meta_path)) continue;
    BERTH_ASSIGN_OR_RETURN(Context context, ReadMeta(meta_path));
    contexts.push_back(std::move(context));
  }
  if (ec) return ErrnoErrorf(ec.value(), "list contexts in {}", meta_root);
  std::sort(contexts.begin(), contexts.end(),
            [](const Context& a, const Context& b) { return a.name < b.name; });
  return contexts;
}

absl::StatusOr<Context> ContextStore::Inspect(std::string_view name) const {
  if (name == kDefaultContextName) return DefaultContext();
  std::string meta_path = MetaPath(name);
  absl::StatusOr<Context> context = ReadMeta(meta_path);
  if (!context.ok() && ErrnoOf(context.status()) == ENOENT) {
    return NotFoundf("context \"{}\" does not exist", name);
  }
  return context;
}

absl::Status ContextStore::Create(const Context& context) {
  BERTH_RETURN_IF_ERROR(ValidateContextName(context.name));
  std::string meta_path = MetaPath(context.name);
  if (PathExists(meta_path)) return AlreadyExistsf("context \"{}\" already exists", context.name);

  nlohmann::ordered_json doc;
  doc["Name"] = context.name;
  doc["Metadata"] = nlohmann::ordered_json::object();
  if (!context.description.empty()) doc["Metadata"]["Description"] = context.description;
  doc["Endpoints"][kDockerEndpoint] = {{"Host", context.host},
                                       {"SkipTLSVerify", context.skip_tls_verify}};

  std::string what = fmt::format("create context \"{}\"", context.name);
  if (!context.tls.empty()) {
    std::string tls_dir = TlsDir(context.name);
    BERTH_RETURN_IF_ERROR(WithContext(MkdirAll(tls_dir, 0700), what));
    for (const auto& [file, data] :
         {std::pair{kCaFile, &context.tls.ca}, std::pair{kCertFile, &context.tls.cert},
          std::pair{kKeyFile, &context.tls.key}}) {
      if (data->empty()) continue;
      BERTH_RETURN_IF_ERROR(
          WithContext(WriteFileAtomic(JoinPath(tls_dir, file), *data, 0600), what));
    }
  }
  std::string meta_dir = meta_path.substr(0, meta_path.rfind('/'));
  BERTH_RETURN_IF_ERROR(WithContext(MkdirAll(meta_dir, 0755), what));
  std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return WithContext(WriteFileAtomic(meta_path, text, 0644), what);
}

absl::Status ContextStore::Remove(std::string_view name, ConfigFile* config, bool force) {
  if (name == kDefaultContextName) {
    return InvalidArgumentf("context \"{}\" cannot be removed", name);
  }
  bool current = config != nullptr && config->current_context() == name;
  if (current && !force) {
    return FailedPreconditionf("context \"{}\" is in use, set -f flag to force remove", name);
  }
  if (!force && !PathExists(MetaPath(name))) {
    return NotFoundf("context \"{}\" does not exist", name);
  }
  std::string id = ContextId(name);
  std::string what = fmt::format("remove context \"{}\"", name);
  BERTH_RETURN_IF_ERROR(WithContext(RemoveAll(JoinPath(JoinPath(dir(), "meta"), id)), what));
  BERTH_RETURN_IF_ERROR(WithContext(RemoveAll(JoinPath(JoinPath(dir(), "tls"), id)), what));
  if (current) {
    // Back to the default (BERTH_HOST or the local socket), as docker does.
    config->set_current_context("");
    BERTH_RETURN_IF_ERROR(config->Save());
  }
  return absl::OkStatus();
}

absl::Status ContextStore::Use(std::string_view name, ConfigFile* config) const {
  if (name != kDefaultContextName) {
    absl::StatusOr<Context> context = Inspect(name);
    if (!context.ok()) return context.status();
  }
  config->set_current_context(name == kDefaultContextName ? "" : std::string(name));
  return config->Save();
}

nlohmann::ordered_json ContextStore::InspectJson(const Context& context) const {
  bool is_default = context.name == kDefaultContextName;
  nlohmann::ordered_json doc;
  doc["Name"] = context.name;
  doc["Metadata"] = nlohmann::ordered_json::object();
  if (!context.description.empty() && !is_default) {
    doc["Metadata"]["Description"] = context.description;
  }
  doc["Endpoints"][kDockerEndpoint] = {{"Host", context.host},
                                       {"SkipTLSVerify", context.skip_tls_verify}};
  doc["TLSMaterial"] = nlohmann::ordered_json::object();
  std::vector<std::string> files;
  if (!context.tls_paths.ca.empty()) files.push_back(kCaFile);
  if (!context.tls_paths.cert.empty()) files.push_back(kCertFile);
  if (!context.tls_paths.key.empty()) files.push_back(kKeyFile);
  if (!files.empty()) doc["TLSMaterial"][kDockerEndpoint] = files;
  std::string meta_path = MetaPath(context.name);
  doc["Storage"] = {
      {"MetadataPath", is_default ? kInMemory : meta_path.substr(0, meta_path.rfind('/'))},
      {"TLSPath",
       is_default ? kInMemory : TlsDir(context.name).substr(0, TlsDir(context.name).rfind('/'))}};
  return doc;
}

}  // namespace berth::cli::config

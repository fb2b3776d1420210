// docker's context store (docker/cli cli/context/store), under
// <config dir>/contexts:
//   meta/<sha256hex(name)>/meta.json
//     {"Name":"remote","Metadata":{"Description":"..."},
//      "Endpoints":{"docker":{"Host":"tcp://h:2376","SkipTLSVerify":false}}}
//   tls/<sha256hex(name)>/docker/{ca.pem,cert.pem,key.pem}
// plus the implicit "default" context, which is not stored: it is whatever
// -H / BERTH_HOST / the default socket say.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/config/config_file.h"

namespace berth::cli::config {

inline constexpr char kDefaultContextName[] = "default";
inline constexpr char kDefaultHost[] = "unix:///run/berth/berth.sock";
inline constexpr char kContextNamePattern[] = "^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$";

// PEM material of a context's docker endpoint: contents (Create takes them,
// Inspect reads them back) or, in Context::tls_paths, where they are stored.
struct ContextTls {
  std::string ca;
  std::string cert;
  std::string key;
  bool empty() const { return ca.empty() && cert.empty() && key.empty(); }
};

struct Context {
  std::string name;
  std::string description;
  std::string host;  // the docker endpoint's Host
  bool skip_tls_verify = false;
  ContextTls tls;        // PEM contents
  ContextTls tls_paths;  // set by List/Inspect: files that exist, else empty
};

// Whether `name` may name a new context; InvalidArgument saying why not
// (empty, not matching kContextNamePattern, or "default").
absl::Status ValidateContextName(std::string_view name);

class ContextStore {
 public:
  // `default_host` is what the default context shows as its endpoint.
  explicit ContextStore(std::string config_dir, std::string default_host = kDefaultHost);

  // <config dir>/contexts
  std::string dir() const;
  // The directory names of `name`: sha256 hex, as docker.
  static std::string ContextId(std::string_view name);
  std::string MetaPath(std::string_view name) const;
  std::string TlsDir(std::string_view name) const;  // .../tls/<id>/docker

  // Every context, the default one included, sorted by name. Directories
  // without a meta.json are skipped, as docker does; a malformed one is an
  // InvalidArgument naming the file.
  absl::StatusOr<std::vector<Context>> List() const;

  // NotFound `context "x" does not exist` for an unknown name.
  absl::StatusOr<Context> Inspect(std::string_view name) const;

  // Stores a new context. InvalidArgument for a bad name, AlreadyExists for
  // a taken one. TLS files are written 0600 in a 0700 directory.
  absl::Status Create(const Context& context);

  // Removes a stored context. "default" cannot be removed; the current
  // context (config's currentContext) only with `force`, which then also
  // clears currentContext and saves the config.
  absl::Status Remove(std::string_view name, ConfigFile* config, bool force);

  // Makes `name` the current context (checked to exist) and saves the
  // config; "default" clears currentContext.
  absl::Status Use(std::string_view name, ConfigFile* config) const;

  // What `context inspect` prints for one context (docker's layout:
  // Name, Metadata, Endpoints, TLSMaterial, Storage).
  nlohmann::ordered_json InspectJson(const Context& context) const;

 private:
  Context DefaultContext() const;
  absl::StatusOr<Context> ReadMeta(const std::string& meta_path) const;

  std::string config_dir_;
  std::string default_host_;
};

}  // namespace berth::cli::config

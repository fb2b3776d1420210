#include "cli/commands/cli.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "cli/client/errors.h"
#include "cli/config/host_resolution.h"
#include "common/status.h"

namespace berth::cli {

Cli::Cli() = default;

absl::StatusOr<std::string> Cli::ConfigDir() const {
  return config::ConfigDir(options_.config_dir);
}

absl::StatusOr<client::EngineClient*> Cli::Client() {
  if (client_) return client_.get();
  BERTH_ASSIGN_OR_RETURN(std::string config_dir, ConfigDir());
  BERTH_ASSIGN_OR_RETURN(config::ConfigFile file, config::ConfigFile::Load(config_dir));
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
  BERTH_ASSIGN_OR_RETURN(config::ResolvedHost resolved,
                         config::ResolveHost(options_.hosts, options_.context, env, file));
  client::TlsOptions tls;
  // --tlsverify implies --tls; BERTH_TLS_VERIFY as DOCKER_TLS_VERIFY.
  tls.verify = options_.tls_verify || env("BERTH_TLS_VERIFY").has_value();
  tls.enabled = options_.tls || tls.verify || !resolved.ca.empty();
  if (!resolved.ca.empty()) {
    tls.ca = resolved.ca;
    tls.cert = resolved.cert;
    tls.key = resolved.key;
    tls.verify = !resolved.skip_tls_verify;
  }
  if (tls.enabled) {
    std::string cert_dir = env("BERTH_CERT_PATH").value_or(config_dir);
    auto pick = [&](const std::string& flag, const char* file_name) {
      if (!flag.empty()) return flag;
      std::string path = cert_dir + "/" + file_name;
      return access(path.c_str(), R_OK) == 0 ? path : std::string();
    };
    if (tls.ca.empty()) tls.ca = pick(options_.tls_ca, "ca.pem");
    if (tls.cert.empty()) tls.cert = pick(options_.tls_cert, "cert.pem");
    if (tls.key.empty()) tls.key = pick(options_.tls_key, "key.pem");
  }
  BERTH_ASSIGN_OR_RETURN(client::Endpoint endpoint, client::ParseHost(resolved.host, tls));
  client::Headers headers{{"User-Agent", "Berth-Client/" BERTH_CLI_VERSION " (linux)"}};
  for (const auto& [k, v] : file.http_headers()) headers[k] = v;
  client_ = std::make_unique<client::EngineClient>(std::move(endpoint), std::move(headers));
  return client_.get();
}

namespace {

// The names from the root's child down to `app` (the root: none).
std::vector<const CLI::App*> PathTo(const CLI::App& app) {
  std::vector<const CLI::App*> path;
  for (const CLI::App* a = &app; a->get_parent() != nullptr; a = a->get_parent()) {
    path.insert(path.begin(), a);
  }
  return path;
}

}  // namespace

bool Cli::Builds(const CLI::App& command) const {
  if (&command == unbuilt_.get()) return false;
  // Help and completion need every command's flags.
  if (invoked_.empty() || invoked_.front() == "completion") return true;
  std::vector<const CLI::App*> path = PathTo(command);
  if (path.size() > invoked_.size()) return false;
  // By name or alias (`network list`), as CLI11 will match it.
  for (size_t i = 0; i < path.size(); ++i) {
    if (!path[i]->check_name(invoked_[i])) return false;
  }
  return true;
}

bool Cli::Needs(const CLI::App& parent, const std::string& name,
                const std::vector<std::string>& aliases) const {
  if (&parent == unbuilt_.get()) return false;
  if (invoked_.empty() || invoked_.front() == "completion") return true;
  std::vector<const CLI::App*> path = PathTo(parent);
  if (path.size() > invoked_.size()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    if (!path[i]->check_name(invoked_[i])) return false;
  }
  // The invoked group lists all its commands in its help.
  if (path.size() == invoked_.size()) return true;
  const std::string& next = invoked_[path.size()];
  return next == name || std::find(aliases.begin(), aliases.end(), next) != aliases.end();
}

CLI::App* Cli::Unbuilt() {
  if (!unbuilt_) unbuilt_ = std::make_unique<CLI::App>("not built", "unbuilt");
  return unbuilt_.get();
}

bool Cli::in_is_terminal() const { return isatty(STDIN_FILENO) == 1; }
bool Cli::out_is_terminal() const { return isatty(STDOUT_FILENO) == 1; }

int Cli::Fail(const absl::Status& status, int code) {
  std::fflush(stdout);
  std::string line = client::ErrorLine(status);
  std::fprintf(stderr, "%s\n", line.c_str());
  exit_code_ = code;
  return code;
}

}  // namespace berth::cli

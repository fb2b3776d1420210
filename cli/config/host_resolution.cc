#include "cli/config/host_resolution.h"

#include <utility>

#include "cli/config/contexts.h"
#include "common/status.h"

namespace berth::cli::config {

namespace {

std::string EnvValue(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> value = env(name);
  return value ? *value : "";
}

}  // namespace

std::string ResolveContextName(const std::vector<std::string>& flag_hosts,
                               std::string_view flag_context, const EnvLookup& env,
                               const ConfigFile& config) {
  if (!flag_context.empty()) return std::string(flag_context);
  if (!flag_hosts.empty()) return kDefaultContextName;
  if (!EnvValue(env, kHostEnv).empty()) return kDefaultContextName;
  if (std::string name = EnvValue(env, kContextEnv); !name.empty()) return name;
  if (!config.current_context().empty()) return config.current_context();
  return kDefaultContextName;
}

absl::StatusOr<ResolvedHost> ResolveHost(const std::vector<std::string>& flag_hosts,
                                         std::string_view flag_context, const EnvLookup& env,
                                         const ConfigFile& config) {
  if (!flag_context.empty() && !flag_hosts.empty()) {
    return InvalidArgumentf("conflicting options: either specify --host or --context, not both");
  }
  if (flag_hosts.size() > 1) return InvalidArgumentf("specify only one -H");

  ResolvedHost resolved;
  resolved.context_name = ResolveContextName(flag_hosts, flag_context, env, config);
  if (resolved.context_name == kDefaultContextName) {
    resolved.host = flag_hosts.empty() ? EnvValue(env, kHostEnv) : flag_hosts.front();
    if (resolved.host.empty()) resolved.host = kDefaultHost;
    return resolved;
  }

  ContextStore store(config.dir());
  absl::StatusOr<Context> context = store.Inspect(resolved.context_name);
  if (!context.ok()) {
    if (absl::IsNotFound(context.status())) {
      return NotFoundf("context \"{}\" not found in {} (berth context ls lists them)",
                       resolved.context_name, store.dir());
    }
    return WithContext(context.status(), fmt::format("load context \"{}\"", resolved.context_name));
  }
  resolved.host = context->host.empty() ? kDefaultHost : context->host;
  resolved.ca = std::move(context->tls_paths.ca);
  resolved.cert = std::move(context->tls_paths.cert);
  resolved.key = std::move(context->tls_paths.key);
  resolved.skip_tls_verify = context->skip_tls_verify;
  return resolved;
}

}  // namespace berth::cli::config

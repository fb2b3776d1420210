#include "containerd/server/daemon_config.h"

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"

namespace berth::containerd::server {
namespace {

absl::Status ReadString(const nlohmann::json& j, const std::string& file, const char* key,
                        std::string* out) {
  if (!j.contains(key)) return absl::OkStatus();
  if (!j[key].is_string()) return InvalidArgumentf("config {}: {}: must be a string", file, key);
  *out = j[key].get<std::string>();
  return absl::OkStatus();
}

}  // namespace

std::string DaemonConfig::TasksDir() const { return JoinPath(state, "tasks"); }
std::string DaemonConfig::SocketDir() const { return JoinPath(state, "s"); }
std::string DaemonConfig::RuntimeRoot() const {
  return runtime_root.empty() ? JoinPath(state, "runtime") : runtime_root;
}

absl::Status LoadConfigFile(DaemonConfig& config) {
  if (config.config_file.empty()) return absl::OkStatus();
  const std::string& file = config.config_file;
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentf("config {}: not a JSON object", file);
  }
  static const char* const kKnown[] = {"default_runtime",
                                       "runtimes",
                                       "shim",
                                       "runtime_root",
                                       "insecure_registries",
                                       "registry_certs_dir",
                                       "registry_credentials",
                                       "ingest_expiry_seconds"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return InvalidArgumentf("config {}: unknown setting {:?}", file, key);
    }
  }
  BERTH_RETURN_IF_ERROR(ReadString(j, file, "default_runtime", &config.default_runtime));
  BERTH_RETURN_IF_ERROR(ReadString(j, file, "shim", &config.shim));
  BERTH_RETURN_IF_ERROR(ReadString(j, file, "runtime_root", &config.runtime_root));
  BERTH_RETURN_IF_ERROR(ReadString(j, file, "registry_credentials", &config.registry_credentials));
  BERTH_RETURN_IF_ERROR(ReadString(j, file, "registry_certs_dir", &config.registry_certs_dir));
  if (j.contains("ingest_expiry_seconds")) {
    const nlohmann::json& v = j["ingest_expiry_seconds"];
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      return InvalidArgumentf("config {}: ingest_expiry_seconds: must be a whole number >= 0",
                              file);
    }
    config.ingest_expiry_seconds = v.get<int64_t>();
  }
  if (j.contains("insecure_registries")) {
    const nlohmann::json& hosts = j["insecure_registries"];
    if (!hosts.is_array()) {
      return InvalidArgumentf("config {}: insecure_registries: must be an array of hosts", file);
    }
    for (const nlohmann::json& host : hosts) {
      if (!host.is_string()) {
        return InvalidArgumentf("config {}: insecure_registries: must be an array of hosts", file);
      }
      config.insecure_registries.push_back(host.get<std::string>());
    }
  }
  if (j.contains("runtimes")) {
    if (!j["runtimes"].is_object()) {
      return InvalidArgumentf("config {}: runtimes: must be an object of name: binary", file);
    }
    for (const auto& [name, binary] : j["runtimes"].items()) {
      if (!binary.is_string() || binary.get<std::string>().empty()) {
        return InvalidArgumentf("config {}: runtimes.{}: must be a binary name or path", file,
                                name);
      }
      config.runtimes[name] = binary.get<std::string>();
    }
  }
  if (config.default_runtime.empty()) {
    return InvalidArgumentf("config {}: default_runtime: must not be empty", file);
  }
  return absl::OkStatus();
}

std::string ResolveShim(const DaemonConfig& config) {
  if (!config.shim.empty()) return config.shim;
  return FindCompanionProgram("berth-shim", "shim");
}

}  // namespace berth::containerd::server

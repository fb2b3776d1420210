#include "engined/daemon/container_config.h"

#include <fmt/format.h>

#include "common/logger.h"
#include "common/status.h"
#include "engined/daemon/container_store.h"
#include "engined/daemon/etc_files.h"
#include "engined/spec/capabilities.h"
#include "engined/spec/merge.h"
#include "engined/spec/rlimits.h"
#include "engined/spec/spec_builder.h"
#include "engined/spec/user.h"
#include "engined/spec/validate.h"
#include "engined/volumes/copy_up.h"
#include "engined/volumes/resolve_mounts.h"

namespace berth::engined {

namespace {

constexpr char kBridgeWarning[] =
    "berthd has no bridge networking yet: the container gets a network namespace with loopback "
    "only (use --network host or none to choose explicitly)";

constexpr char kPublishWarning[] =
    "berthd does not publish ports yet: -p/--publish and -P are recorded but no host port is "
    "bound";

// Whether the request asks for host ports (-p, -P).
bool PublishesPorts(const nlohmann::json& host_config) {
  auto bindings = host_config.find("PortBindings");
  auto all = host_config.find("PublishAllPorts");
  return (bindings != host_config.end() && bindings->is_object() && !bindings->empty()) ||
         (all != host_config.end() && all->is_boolean() && all->get<bool>());
}

std::string NetworkMode(const nlohmann::json& host_config) {
  auto it = host_config.find("NetworkMode");
  return it != host_config.end() && it->is_string() ? it->get<std::string>() : "";
}

bool NonEmpty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  // json::empty() is false for every string: a string is a value, not a container.
  if (it->is_string()) return !it->get_ref<const std::string&>().empty();
  return (it->is_array() || it->is_object()) && !it->empty();
}

// moby's create-time checks for NetworkMode container:<ref> (the container
// itself is looked up at each start); a shared IPC namespace needs the
// donor's /dev/shm, which berthd does not bind yet.
absl::Status ValidateContainerNetworkMode(const std::string& mode, const nlohmann::json& config,
                                          const nlohmann::json& host_config) {
  if (mode.size() == std::string_view("container:").size()) {
    return InvalidArgumentf("invalid network mode {:?}: name the container, container:<name|id>",
                            mode);
  }
  if (NonEmpty(config, "Hostname")) {
    return InvalidArgumentf("conflicting options: hostname and the network mode");
  }
  if (NonEmpty(host_config, "Dns")) {
    return InvalidArgumentf("conflicting options: dns and the network mode");
  }
  if (NonEmpty(host_config, "ExtraHosts")) {
    return InvalidArgumentf("conflicting options: custom host-to-IP mapping and the network mode");
  }
  if (NonEmpty(host_config, "Links")) {
    return InvalidArgumentf(
        "conflicting options: container type network can't be used with links. "
        "This would result in undefined behavior");
  }
  if (NonEmpty(config, "MacAddress")) {
    return InvalidArgumentf("conflicting options: mac-address and the network mode");
  }
  if (PublishesPorts(host_config)) {
    return InvalidArgumentf(
        "conflicting options: port publishing and the container type network mode");
  }
  if (NonEmpty(config, "ExposedPorts")) {
    return InvalidArgumentf(
        "conflicting options: port exposing and the container type network mode");
  }
  return absl::OkStatus();
}

absl::StatusOr<volumes::ResolvedMounts> StoredMounts(const Container& c) {
  if (c.mounts.is_null() || (c.mounts.is_array() && c.mounts.empty())) {
    return volumes::ResolvedMounts{};
  }
  return volumes::ResolvedMountsFromJson(c.mounts, "Mounts");
}

}  // namespace

absl::StatusOr<NewContainerConfig> PrepareContainerConfig(const nlohmann::json& body,
                                                          const ImageForContainer& image,
                                                          const std::string& id) {
  NewContainerConfig out;
  nlohmann::json config = body;
  config.erase("HostConfig");
  config.erase("NetworkingConfig");
  nlohmann::json host_config = body.value("HostConfig", nlohmann::json::object());
  if (host_config.is_null()) host_config = nlohmann::json::object();
  if (!host_config.is_object()) return InvalidArgumentf("HostConfig must be a JSON object");

  std::string mode = NetworkMode(host_config);
  if (mode.empty() || mode == "default") {
    mode = "bridge";
    host_config["NetworkMode"] = mode;
  }
  if (mode == "bridge") {
    out.warnings.push_back(kBridgeWarning);
  } else if (mode.rfind("container:", 0) == 0) {
    BERTH_RETURN_IF_ERROR(ValidateContainerNetworkMode(mode, config, host_config));
  } else if (mode != "host" && mode != "none") {
    return NotFoundf("network {} not found", mode);
  }
  if (PublishesPorts(host_config)) out.warnings.push_back(kPublishWarning);
  BERTH_RETURN_IF_ERROR(spec::ValidateHostConfig(host_config, config));
  BERTH_ASSIGN_OR_RETURN(config, spec::MergeImageConfig(config, image.config));
  if (!config.contains("Hostname") || !config["Hostname"].is_string() ||
      config["Hostname"].get<std::string>().empty()) {
    config["Hostname"] =
        mode == "host" ? ContainerHostname(config, host_config, id) : id.substr(0, 12);
  }
  config["Image"] = body.value("Image", "");
  auto has_cmd = [&](const char* key) {
    auto it = config.find(key);
    return it != config.end() && it->is_array() && !it->empty();
  };
  if (!has_cmd("Entrypoint") && !has_cmd("Cmd")) return InvalidArgumentf("No command specified");
  out.config = std::move(config);
  out.host_config = std::move(host_config);
  return out;
}

absl::StatusOr<nlohmann::json> ResolveContainerMounts(const Container& c, VolumeStore* store,
                                                      ContainerStore& containers) {
  if (store == nullptr) return nlohmann::json::array();
  BERTH_ASSIGN_OR_RETURN(volumes::MountRequest request,
                         volumes::MountRequestFromJson(c.id, c.config, c.host_config));
  auto lookup =
      [&containers](const std::string& ref) -> absl::StatusOr<std::vector<volumes::MountPoint>> {
    BERTH_ASSIGN_OR_RETURN(ContainerRef other, containers.Get(ref));
    nlohmann::json stored;
    {
      std::lock_guard<std::mutex> lock(other->mu);
      stored = other->c.mounts;
    }
    if (stored.is_null() || (stored.is_array() && stored.empty())) {
      return std::vector<volumes::MountPoint>{};
    }
    BERTH_ASSIGN_OR_RETURN(volumes::ResolvedMounts r,
                           volumes::ResolvedMountsFromJson(stored, "Mounts"));
    return r.mount_points;
  };
  BERTH_ASSIGN_OR_RETURN(volumes::ResolvedMounts resolved,
                         volumes::ResolveMounts(*store, request, lookup));
  return volumes::ResolvedMountsToJson(resolved);
}

void ReleaseContainerMounts(const Container& c, VolumeStore* store, bool remove_anonymous) {
  if (store == nullptr) return;
  absl::StatusOr<volumes::ResolvedMounts> mounts = StoredMounts(c);
  if (!mounts.ok()) return;
  if (absl::Status s = volumes::ReleaseVolumes(*store, c.id, *mounts, remove_anonymous); !s.ok()) {
    log::Warnf("container {}: releasing its volumes: {}", c.id, s);
  }
}

void ReacquireContainerMounts(const Container& c, VolumeStore* store) {
  if (store == nullptr) return;
  absl::StatusOr<volumes::ResolvedMounts> mounts = StoredMounts(c);
  if (!mounts.ok()) return;
  if (absl::Status s = volumes::ReacquireVolumes(*store, c.id, *mounts); !s.ok()) {
    log::Warnf("container {}: re-taking its volumes: {}", c.id, s);
  }
}

nlohmann::json ApiMounts(const Container& c) {
  nlohmann::json out = nlohmann::json::array();
  absl::StatusOr<volumes::ResolvedMounts> mounts = StoredMounts(c);
  if (!mounts.ok()) return out;
  for (const volumes::MountPoint& mp : mounts->mount_points) {
    out.push_back(volumes::MountPointToApiJson(mp));
  }
  return out;
}

absl::Status PopulateContainerVolumes(const Container& c, const std::string& rootfs) {
  BERTH_ASSIGN_OR_RETURN(volumes::ResolvedMounts mounts, StoredMounts(c));
  return volumes::PopulateVolumes(mounts, rootfs);
}

absl::StatusOr<nlohmann::json> BuildContainerSpec(const Container& c, const SpecContext& context) {
  spec::SpecInput input;
  input.id = c.id;
  input.config = c.config;
  input.host_config = c.host_config;
  input.rootfs = context.rootfs;
  input.init_path = context.init_path;
  input.network_namespace_path = context.network_namespace_path;
  input.pid_namespace_path = context.pid_namespace_path;
  BERTH_ASSIGN_OR_RETURN(volumes::ResolvedMounts mounts, StoredMounts(c));
  for (const volumes::OciMount& m : mounts.OciMounts()) {
    input.mounts.push_back({m.destination, m.type, m.source, m.options});
  }
  // docker's per-container /etc files, unless the user mounted their own.
  for (const auto& [dest, source] :
       {std::pair{"/etc/resolv.conf", c.resolv_conf_path},
        std::pair{"/etc/hostname", c.hostname_path}, std::pair{"/etc/hosts", c.hosts_path}}) {
    bool taken = false;
    for (const spec::Mount& m : input.mounts) taken = taken || m.destination == dest;
    if (!taken && !source.empty()) {
      input.mounts.push_back({dest, "bind", source, {"rbind", "rprivate"}});
    }
  }
  if (context.default_ulimits.is_array() && !context.default_ulimits.empty()) {
    BERTH_ASSIGN_OR_RETURN(input.default_ulimits,
                           spec::ParseUlimits({{"Ulimits", context.default_ulimits}}));
  }
  return spec::BuildSpec(input);
}

absl::StatusOr<nlohmann::json> BuildExecProcess(const nlohmann::json& container_spec,
                                                const nlohmann::json& exec_config,
                                                const std::string& rootfs) {
  nlohmann::json process = container_spec.value("process", nlohmann::json::object());
  process["args"] = exec_config["Cmd"];
  process["terminal"] = exec_config.value("Tty", false);
  if (auto env = exec_config.find("Env"); env != exec_config.end() && env->is_array()) {
    nlohmann::json merged = process.value("env", nlohmann::json::array());
    for (const auto& e : *env) {
      if (!e.is_string()) return InvalidArgumentf("Env: expected strings");
      std::string entry = e.get<std::string>();
      std::string key = entry.substr(0, entry.find('='));
      bool replaced = false;
      for (auto& existing : merged) {
        std::string s = existing.get<std::string>();
        if (s.substr(0, s.find('=')) == key) {
          existing = entry;
          replaced = true;
        }
      }
      if (!replaced) merged.push_back(entry);
    }
    process["env"] = merged;
  }
  if (std::string cwd = exec_config.value("WorkingDir", ""); !cwd.empty()) {
    if (cwd[0] != '/')
      return InvalidArgumentf(
          "the working directory '{}' is invalid, it needs to be an absolute path", cwd);
    process["cwd"] = cwd;
  }
  if (std::string user = exec_config.value("User", ""); !user.empty()) {
    BERTH_ASSIGN_OR_RETURN(spec::ResolvedUser u, spec::ResolveUser(rootfs, user, {}));
    process["user"] = {{"uid", u.uid}, {"gid", u.gid}};
    if (!u.additional_gids.empty()) process["user"]["additionalGids"] = u.additional_gids;
  }
  if (exec_config.value("Privileged", false)) {
    const std::vector<std::string>& all = spec::AllCapabilities();
    process["capabilities"] = {{"bounding", all}, {"effective", all}, {"permitted", all}};
  }
  process.erase("consoleSize");
  return process;
}

}  // namespace berth::engined

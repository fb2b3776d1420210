// Docker container (merged Config + HostConfig) -> OCI config.json for
// berth-runtime / runc, with docker's defaults (moby daemon/oci_linux.go).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/spec/mounts.h"
#include "engined/spec/rlimits.h"
#include "engined/spec/seccomp_convert.h"

namespace berth::engined::spec {

// Where docker puts its init inside the container.
inline constexpr char kInitPathInContainer[] = "/sbin/docker-init";
inline constexpr char kDefaultPathEnv[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct SpecInput {
  std::string id;              // container id (64 hex)
  nlohmann::json config;       // Config after MergeImageConfig
  nlohmann::json host_config;  // HostConfig
  // The mounted rootfs on the host: users and groups come from its
  // /etc/passwd and /etc/group (symlinks resolved inside it).
  std::string rootfs;
  std::string root_path = "rootfs";  // root.path in the spec (relative to the bundle)
  // Volumes, binds, tmpfs, /etc/hosts, /etc/resolv.conf, /etc/hostname...:
  // resolved by the caller; one at a default's destination replaces it.
  std::vector<Mount> mounts;
  // cgroupsPath is <parent>/<id>; HostConfig.CgroupParent wins over this.
  std::string cgroup_parent = "/berth";
  // berth-init on the host, bind-mounted at /sbin/docker-init for --init.
  std::string init_path;
  bool default_init = false;  // daemon-wide --init, when HostConfig.Init is null
  // Namespaces to join for container:<id> modes or a prepared netns.
  std::string network_namespace_path;
  std::string pid_namespace_path;
  std::string ipc_namespace_path;
  bool cgroup_namespace_by_default = true;  // docker: private on cgroup v2 hosts
  std::vector<Ulimit> default_ulimits;      // the daemon's --default-ulimit
  // Overrides for tests; empty/unset means the host's.
  std::string host_hostname;
  std::string host_dev = "/dev";
  std::optional<SeccompTarget> seccomp_target;  // arch and kernel for includes
};

absl::StatusOr<nlohmann::json> BuildSpec(const SpecInput& input);

}  // namespace berth::engined::spec

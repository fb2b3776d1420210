// The container's mount list: docker's defaults, then the caller's mounts
// (volumes, binds, tmpfs, /etc/hosts...), parents before children.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::engined::spec {

// One OCI mount, as config.json spells it.
struct Mount {
  std::string destination;
  std::string type;  // "bind", "tmpfs", ...
  std::string source;
  std::vector<std::string> options;
};

struct DefaultMountOptions {
  bool privileged = false;  // /sys and /sys/fs/cgroup writable
  int64_t shm_size = 0;     // bytes; 0 means docker's 64 MiB
  bool with_shm = true;     // false for IpcMode none/host/container (caller decides)
};

// Docker's defaults: /proc, /dev, /dev/pts, /sys, /sys/fs/cgroup,
// /dev/mqueue, /dev/shm.
std::vector<Mount> DefaultMounts(const DefaultMountOptions& options);

// `defaults` with those at a destination in `extra` replaced, plus `extra`,
// stably sorted by destination depth so a parent is mounted before what is
// mounted inside it.
std::vector<Mount> MergeMounts(const std::vector<Mount>& defaults, const std::vector<Mount>& extra);

nlohmann::json MountsToJson(const std::vector<Mount>& mounts);

}  // namespace berth::engined::spec

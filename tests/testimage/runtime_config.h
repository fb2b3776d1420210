// OCI runtime configs for test bundles, modelled on `runc spec`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_util.h"

namespace berth::testimage {

inline constexpr char kDefaultPath[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct ConfigOptions {
  std::vector<std::string> args = {"sh"};
  bool terminal = false;
  bool readonly_root = true;
  std::string hostname = "berth";
  // Appended to PATH=... and TERM=xterm.
  std::vector<std::string> extra_env;
  // linux.cgroupsPath; left out when empty.
  std::string cgroups_path;
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string root_path = "rootfs";
};

// What `runc spec` writes (runc 1.1, checked against Debian's runc), with
// these differences: ociVersion 1.0.2 (crun 1.8 refuses 1.2.0), terminal off by default, a cgroup
// namespace as runc 1.2 adds, /sys/devices/virtual/powercap masked as runc
// 1.2 does, and the fields ConfigOptions sets.
json::Json DefaultRuntimeConfig(const ConfigOptions& opts = {});

// runc spec's default capability set (bounding/effective/permitted/ambient).
std::vector<std::string> DefaultCapabilities();

}  // namespace berth::testimage

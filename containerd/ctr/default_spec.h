// The OCI spec `berth-ctr run` gives a container: containerd's defaults
// (oci.WithDefaultSpec: its namespaces, mounts, capabilities, masked and
// read-only paths), with the process and root filled in.
#pragma once

#include <string>
#include <vector>

namespace berth::containerd::ctr {

struct SpecOptions {
  std::vector<std::string> args;
  std::vector<std::string> env;  // added to PATH and TERM
  std::string cwd = "/";
  std::string root_path;  // absolute: the container's root filesystem
  bool readonly_root = false;
  bool terminal = false;
  std::string hostname;
  std::string cgroups_path;
};

// The spec as JSON.
std::string DefaultSpec(const SpecOptions& options);

}  // namespace berth::containerd::ctr

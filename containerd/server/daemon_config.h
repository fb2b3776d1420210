// berth-containerd's settings: the command line (containerd's --address,
// --root, --state, --config, --log-level) and the optional config file, a
// JSON object:
//   {
//     "default_runtime": "berth-runtime",        // binary for io.containerd.runc.v2
//     "runtimes": {"runc": "/usr/sbin/runc"},    // more runtime names
//     "shim": "/usr/bin/berth-shim",             // default: beside this binary, then PATH
//     "runtime_root": "/run/berth/runtime",      // the runtime's --root
//     "insecure_registries": ["myreg:5000"],     // plain HTTP (loopback always is)
//     "registry_certs_dir": "/etc/berth/certs.d", // <host[:port]>/*.crt, *.cert + *.key
//     "registry_credentials": "/root/.docker/config.json",
//     "ingest_expiry_seconds": 86400             // stale ingests are collected; 0: never
//   }
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "containerd/core/registry/http.h"

namespace berth::containerd::server {

struct DaemonConfig {
  std::string address = "/run/berth/containerd/containerd.sock";
  std::string root = "/var/lib/berth/containerd";
  std::string state = "/run/berth/containerd";
  std::string config_file;  // empty: none
  std::string log_level = "info";

  std::string default_runtime = "berth-runtime";
  std::map<std::string, std::string> runtimes;
  std::string shim;          // resolved by ResolveShim when empty
  std::string runtime_root;  // empty: STATE/runtime
  std::vector<std::string> insecure_registries;
  // docker's certs.d layout (registry/certs.h); empty: none.
  std::string registry_certs_dir = registry::kDefaultCertsDir;
  std::string registry_credentials;  // a docker-style config.json; empty: none
  // The garbage collector removes ingests not written to for this long
  // (containerd: a day), unless a live lease holds them. 0: never.
  int64_t ingest_expiry_seconds = 24 * 60 * 60;

  // Under the state dir: bundles, shim sockets.
  std::string TasksDir() const;
  std::string SocketDir() const;
  std::string RuntimeRoot() const;
};

// Reads `config.config_file` (when set) into `config`. InvalidArgument
// naming the file and the field for anything malformed; NotFound if the
// file is missing.
absl::Status LoadConfigFile(DaemonConfig& config);

// The berth-shim to start: the configured one, else one beside this
// executable (or in the build tree's shim/), else from PATH.
std::string ResolveShim(const DaemonConfig& config);

}  // namespace berth::containerd::server

// What `berth-shim start | serve | delete` are told on their command line
// (containerd passes the same to its shims).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace berth::shim {

struct ShimOptions {
  std::string ns = "default";
  std::string id;
  std::string bundle;
  // The daemon that started us (recorded for whoever inspects the bundle).
  std::string address;
  std::string runtime = "berth-runtime";  // a path, or a name looked up in PATH
  std::string runtime_root = "/run/berth/runtime";
  std::string socket_dir = "/run/berth/s";
  bool systemd_cgroup = false;
  bool debug = false;
};

// The global flags both shim programs take (--namespace, --id, --bundle,
// --address, --runtime, --runtime-root, --socket-dir, --systemd-cgroup,
// --debug), bound to `options`.
void AddShimFlags(CLI::App& app, ShimOptions& options);

// options.runtime as a path: a bare name is looked up beside this binary,
// then in PATH.
std::string ResolveRuntime(const std::string& runtime);
// The runtime's --root for this namespace (containerd keeps one per namespace).
std::string RuntimeRootFor(const ShimOptions& options);
// The shim's socket: a hash of namespace, id and bundle, short for sun_path.
std::string SocketPathFor(const ShimOptions& options);
// The shim's private directory (console sockets, pid files) beside it.
std::string WorkDirFor(const ShimOptions& options);
// Files in the bundle that say where the shim is.
std::string AddressFile(const std::string& bundle);
std::string ShimPidFile(const std::string& bundle);
std::string ShimLogFile(const std::string& bundle);
std::string RuntimeLogFile(const std::string& bundle);

}  // namespace berth::shim

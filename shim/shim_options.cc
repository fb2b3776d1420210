#include "shim/shim_options.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "common/file_util.h"
#include "common/sha256.h"
#include "common/spawn.h"
#include "common/strings.h"

namespace berth::shim {

void AddShimFlags(CLI::App& app, ShimOptions& options) {
  app.add_option("--namespace", options.ns, "namespace of the container");
  app.add_option("--id", options.id, "container id")->required();
  app.add_option("--bundle", options.bundle, "OCI bundle directory")->required();
  app.add_option("--address", options.address, "address of the daemon that started the shim");
  app.add_option("--runtime", options.runtime, "OCI runtime binary (berth-runtime, runc, crun)");
  app.add_option("--runtime-root", options.runtime_root,
                 "runtime state root (per namespace below)");
  app.add_option("--socket-dir", options.socket_dir, "directory for the shim's socket");
  app.add_flag("--systemd-cgroup", options.systemd_cgroup, "pass --systemd-cgroup to the runtime");
  app.add_flag("--debug", options.debug, "debug logging");
}

std::string ResolveRuntime(const std::string& runtime) {
  return FindCompanionProgram(runtime, "runtime");
}

std::string RuntimeRootFor(const ShimOptions& options) {
  return JoinPath(options.runtime_root, options.ns);
}

namespace {

// The first 12 bytes of SHA-256 (common/sha256.h: OpenSSL's first use set
// up its CPU detection, ~0.5 ms of each shim's start on the 2-CPU VM, for
// this one digest).
std::string Hash(const ShimOptions& options) {
  return ToHex(Sha256Of(options.ns + "/" + options.id + "/" + options.bundle)).substr(0, 24);
}

}  // namespace

std::string SocketPathFor(const ShimOptions& options) {
  return JoinPath(options.socket_dir, Hash(options) + ".sock");
}

std::string WorkDirFor(const ShimOptions& options) {
  return JoinPath(options.socket_dir, Hash(options) + ".d");
}

std::string AddressFile(const std::string& bundle) { return JoinPath(bundle, "address"); }
std::string ShimPidFile(const std::string& bundle) { return JoinPath(bundle, "shim.pid"); }
std::string ShimLogFile(const std::string& bundle) { return JoinPath(bundle, "shim.log"); }
std::string RuntimeLogFile(const std::string& bundle) { return JoinPath(bundle, "log.json"); }

}  // namespace berth::shim

// berth-containerd: the lifecycle daemon. See containerd/server/daemon.h
// and docs/containerd.md.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "absl/synchronization/mutex.h"
#include "common/logger.h"
#include "containerd/server/daemon.h"

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "berth-containerd: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigwait below, in this thread only: block them
  // first, before any thread starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // Debian's Abseil is built without NDEBUG: its mutex deadlock detector
  // would record every lock gRPC takes (see shim/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  berth::containerd::server::DaemonConfig config;
  CLI::App app{"berth-containerd: the container lifecycle daemon"};
  app.set_version_flag("--version", std::string("berth-containerd ") + BERTH_VERSION);
  app.add_option("-a,--address", config.address, "gRPC socket")->capture_default_str();
  app.add_option("--root", config.root, "persistent state (metadata)")->capture_default_str();
  app.add_option("--state", config.state, "runtime state (bundles, shim sockets)")
      ->capture_default_str();
  app.add_option("-c,--config", config.config_file, "config file (JSON)");
  app.add_option("-l,--log-level", config.log_level, "debug, info, warn or error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  berth::log::Level level;
  if (absl::Status s = berth::log::ParseLevel(config.log_level, &level); !s.ok()) return Fail(s);
  berth::log::SetLevel(level);
  if (absl::Status s = berth::containerd::server::LoadConfigFile(config); !s.ok()) return Fail(s);


  absl::StatusOr<std::unique_ptr<berth::containerd::server::Daemon>> daemon =
      berth::containerd::server::Daemon::Start(config);
  if (!daemon.ok()) return Fail(daemon.status());
  int sig = 0;
  sigwait(&signals, &sig);
  berth::log::Infof("berth-containerd: signal {}: stopping; tasks keep running", sig);
  // As containerd: stop at once, but give calls in flight half a second
  // (gRPC also holds shutdown for idle client connections until then).
  (*daemon)->Shutdown(std::chrono::milliseconds(500));
  return 0;
}

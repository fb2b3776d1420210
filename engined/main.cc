// berthd: the Docker Engine API over berth-containerd. See
// engined/server/engine.h and docs/berthd.md.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "absl/synchronization/mutex.h"
#include "common/logger.h"
#include "common/spawn.h"
#include "engined/server/engine.h"

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "berthd: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // Debian's Abseil is built without NDEBUG (see containerd/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  berth::engined::server::EngineConfig config;
  CLI::App app{"berthd: the Berth engine (Docker Engine API)"};
  app.set_version_flag("-v,--version", std::string("berthd ") + BERTH_VERSION);
  app.add_option("-H,--host", config.hosts, "socket(s) to serve: unix:///path");
  app.add_option("--data-root", config.data_root, "persistent state")->capture_default_str();
  app.add_option("--exec-root", config.exec_root, "runtime state")->capture_default_str();
  app.add_option("--containerd", config.containerd,
                 "use this berth-containerd socket instead of starting one");
  app.add_option("--config-file", config.config_file, "daemon.json")->capture_default_str();
  app.add_option("-p,--pidfile", config.pidfile, "write berthd's pid here");
  app.add_option("-l,--log-level", config.log_level, "debug, info, warn or error")
      ->capture_default_str();
  app.add_option("-G,--group", config.group, "group owning the unix socket");
  app.add_flag("--tlsverify", config.tls_verify, "require TLS with client certificates");
  app.add_option("--tlscacert", config.tls_ca, "CA of client certificates");
  app.add_option("--tlscert", config.tls_cert, "server certificate");
  app.add_option("--tlskey", config.tls_key, "server key");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> flags_set;
  for (const char* name :
       {"--host", "--data-root", "--exec-root", "--containerd", "--pidfile", "--log-level",
        "--group", "--tlsverify", "--tlscacert", "--tlscert", "--tlskey"}) {
    if (app.count(name) > 0) {
      std::string key = std::string(name).substr(2);
      flags_set.push_back(key == "host" ? "hosts" : key);
    }
  }
  if (absl::Status s = berth::engined::server::ApplyDaemonJson(config, flags_set,
                                                               app.count("--config-file") > 0);
      !s.ok()) {
    return Fail(s);
  }
  berth::log::Level level;
  if (absl::Status s = berth::log::ParseLevel(config.log_level, &level); !s.ok()) return Fail(s);
  berth::log::SetLevel(level);
  config.containerd_binary = berth::FindCompanionProgram("berth-containerd", "containerd");
  config.init_binary = berth::FindCompanionProgram("berth-init", "engined/init");

  absl::StatusOr<std::unique_ptr<berth::engined::server::Engine>> engine =
      berth::engined::server::Engine::Start(config);
  if (!engine.ok()) return Fail(engine.status());
  int sig = 0;
  sigwait(&signals, &sig);
  berth::log::Infof("berthd: signal {}: stopping; containers keep running", sig);
  (*engine)->Shutdown();
  return 0;
}

// berth-shim: start | delete | serve, the commands a daemon runs (containerd's
// shim command line). Small and without gRPC: `start` runs for every
// container and only launches berth-shim-daemon, the long-lived shim
// (shim/daemon_main.cc), and waits until it serves. See shim/bootstrap.h.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/logger.h"
#include "common/time_util.h"
#include "shim/bootstrap.h"

extern char** environ;

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "berth-shim: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using berth::shim::ShimOptions;
  ShimOptions options;
  CLI::App app{"berth-shim: the per-container parent that holds stdio, logs and exit status"};
  app.set_version_flag("--version", std::string("berth-shim ") + BERTH_VERSION);
  berth::shim::AddShimFlags(app, options);
  app.require_subcommand(1);
  CLI::App* start = app.add_subcommand("start", "start a shim for the bundle, print its address");
  app.add_subcommand("delete", "clean up after a shim that is gone");
  CLI::App* serve = app.add_subcommand("serve", "be the shim (berth-shim-daemon serve)");
  int ready_fd = -1;
  serve->add_option("--ready-fd", ready_fd, "fd to report readiness on");
  CLI11_PARSE(app, argc, argv);

  if (options.debug) berth::log::SetLevel(berth::log::Level::kDebug);
  if (serve->parsed()) {
    // The shim itself is the other binary; same command line.
    std::string daemon = berth::shim::DaemonProgram();
    argv[0] = daemon.data();
    ::execve(daemon.c_str(), argv, environ);
    std::fprintf(stderr, "berth-shim: exec %s: %s\n", daemon.c_str(), std::strerror(errno));
    return 1;
  }
  options.runtime = berth::shim::ResolveRuntime(options.runtime);
  if (start->parsed()) {
    absl::StatusOr<std::string> address = berth::shim::StartShim(options);
    if (!address.ok()) return Fail(address.status());
    std::printf("%s\n", address->c_str());
    return 0;
  }
  // delete
  absl::StatusOr<berth::shim::ExitRecord> record = berth::shim::CleanupBundle(options);
  if (!record.ok()) return Fail(record.status());
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(record->exited_at.time_since_epoch())
          .count();
  timespec ts{static_cast<time_t>(nanos / 1000000000), static_cast<long>(nanos % 1000000000)};
  nlohmann::json out = {{"pid", record->pid},
                        {"exit_status", record->exit_status},
                        {"exited_at", berth::FormatRfc3339Nano(ts)}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// berth-shim-daemon: the long-lived shim, `serve` (shim/daemon.h), launched
// by `berth-shim start` (shim/main.cc, shim/bootstrap.h) with the same
// command line.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "absl/synchronization/mutex.h"
#include "common/logger.h"
#include "shim/daemon.h"
#include "shim/shim_options.h"

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "berth-shim-daemon: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

// gRPC sizes its thread pools by the machine's CPU count: the EventEngine
// pool keeps one thread per CPU, the callback API one "nexting" thread per
// two, and each thread holds its stack and bookkeeping (a shim on a 32-CPU
// host ran 57 threads and used 1124 KiB of private memory, against 13 and
// 632 KiB on 2 CPUs: bench/RESULTS-shim-memory.md). A shim serves one
// container and a handful of calls; it is given the pools of a two-CPU
// machine, whatever the host. Linked with -Wl,--wrap=gpr_cpu_num_cores
// (shim/CMakeLists.txt), so this replaces gRPC's answer inside gRPC only.
constexpr unsigned kShimGrpcCpus = 2;
extern "C" unsigned __real_gpr_cpu_num_cores(void);
extern "C" unsigned __wrap_gpr_cpu_num_cores(void) {
  unsigned cpus = __real_gpr_cpu_num_cores();
  return cpus < kShimGrpcCpus ? cpus : kShimGrpcCpus;
}

int main(int argc, char** argv) {
  // One malloc arena for all threads (before any is started): glibc gives
  // each thread that allocates an arena of its own, whose touched pages
  // stay with the process; a shim's threads allocate little and seldom at
  // the same time (bench/RESULTS-shim-memory.md: -60 KiB per shim).
  ::mallopt(M_ARENA_MAX, 1);
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock
  // detector on: a graph of every mutex gRPC ever locked, in ~80 KiB of
  // LowLevelAlloc arenas, consulted on every lock. Release builds of gRPC
  // (NDEBUG) run without it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  using berth::shim::ShimOptions;
  ShimOptions options;
  CLI::App app{"berth-shim-daemon: the shim, started by `berth-shim start`"};
  app.set_version_flag("--version", std::string("berth-shim-daemon ") + BERTH_VERSION);
  berth::shim::AddShimFlags(app, options);
  app.require_subcommand(1);
  CLI::App* serve = app.add_subcommand("serve", "be the shim (started by `berth-shim start`)");
  int ready_fd = -1;
  serve->add_option("--ready-fd", ready_fd, "fd to report readiness on");
  CLI11_PARSE(app, argc, argv);

  if (options.debug) berth::log::SetLevel(berth::log::Level::kDebug);
  options.runtime = berth::shim::ResolveRuntime(options.runtime);
  absl::Status served = berth::shim::Serve(options, ready_fd);
  if (!served.ok()) return Fail(served);
  return 0;
}

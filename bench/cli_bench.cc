// berth-cli-bench: how long a CLI command takes against an idle daemon,
// `berth` beside the docker CLI, both talking to the same berthd in the
// same run (issue: at most 1/5 of the docker CLI's time).
//
// Starts a berthd (and the berth-containerd it supervises) in temp dirs,
// then times `version` and `ps` as whole processes, the two CLIs
// alternating, after a few warm-up runs. Reported: median and min wall time
// per command and the ratio of medians. Without a docker CLI, only berth's
// times are printed.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "tests/testutil/child_reaper.h"

namespace {

using berth::bench::Clock;
using berth::bench::Ms;
using berth::bench::Percentile;
using berth::bench::Warn;

struct Options {
  int runs = 30;
  int warmup = 3;
  std::string berth = "berth";
  std::string berthd = "berthd";
  std::string docker;
};

struct Timing {
  std::vector<double> ms;
  double Median() const { return Percentile(ms, 0.5); }
  double Min() const { return Percentile(ms, 0.0); }
};

// Runs argv once; false (with the log's tail) if it failed.
bool TimeOnce(const std::vector<std::string>& argv, const std::string& log, Timing* out) {
  Clock::time_point start = Clock::now();
  absl::StatusOr<berth::ExitStatus> status =
      berth::bench::RunLogged(argv, log, std::chrono::seconds(30));
  Clock::time_point end = Clock::now();
  if (!status.ok() || !status->success()) {
    Warn(argv[0] + " " + argv.back() + " failed: " + berth::bench::Tail(log, 5));
    return false;
  }
  if (out != nullptr) out->ms.push_back(Ms(start, end));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app("berth-cli-bench: berth and the docker CLI against the same idle berthd");
  app.add_option("--runs", opt.runs, "Timed runs per command and CLI")->check(CLI::PositiveNumber);
  app.add_option("--berth", opt.berth, "The berth CLI");
  app.add_option("--berthd", opt.berthd, "berthd");
  app.add_option("--docker", opt.docker,
                 "The docker CLI (default: found in /usr/bin, /usr/local/bin)");
  CLI11_PARSE(app, argc, argv);
  if (!berth::bench::EnterPrivateMountNamespace()) return 1;
  berth::testing::StartChildReaper();
  berth::bench::CatchInterrupts();

  opt.berth = berth::bench::Executable(berth::FindCompanionProgram(opt.berth, "cli"));
  opt.berthd = berth::bench::Executable(berth::FindCompanionProgram(opt.berthd, "engined"));
  if (opt.berth.empty() || opt.berthd.empty()) {
    Warn("berth or berthd not found (build them, or pass --berth / --berthd)");
    return 1;
  }
  if (opt.docker.empty()) {
    for (const char* path : {"/usr/bin/docker", "/usr/local/bin/docker"}) {
      if (!berth::bench::Executable(path).empty()) opt.docker = path;
    }
  }
  std::string dir = berth::bench::MakeTempDir("berth-cli-bench");
  if (dir.empty()) return 1;
  std::string socket = dir + "/berthd.sock";
  std::string log = dir + "/cli.log";
  berth::UniqueFd daemon_log(
      ::open((dir + "/berthd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  berth::SpawnOptions spawn;
  spawn.argv = {opt.berthd,    "-H",          "unix://" + socket, "--data-root",
                dir + "/data", "--exec-root", dir + "/exec"};
  spawn.fds = {{1, daemon_log.get()}, {2, daemon_log.get()}};
  absl::StatusOr<berth::ScopedPid> daemon = berth::Spawn(spawn);
  int rc = 0;
  if (!daemon.ok()) {
    Warn(fmt::format("start berthd: {}", daemon.status()));
    rc = 1;
  }
  for (int i = 0; rc == 0 && i < 300 && !berth::bench::Listening(socket); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (rc == 0 && !berth::bench::Listening(socket)) {
    Warn("berthd did not listen: " + berth::bench::Tail(dir + "/berthd.log", 10));
    rc = 1;
  }

  std::vector<std::string> commands = {"version", "ps"};
  std::printf("%-10s %-8s %10s %10s\n", "command", "cli", "median ms", "min ms");
  for (const std::string& command : commands) {
    if (rc != 0 || berth::bench::Interrupted()) break;
    std::vector<std::string> ours = {opt.berth, "-H", "unix://" + socket, command};
    std::vector<std::string> theirs = {opt.docker, "-H", "unix://" + socket, command};
    Timing berth_t, docker_t;
    for (int i = 0; i < opt.warmup && rc == 0; ++i) {
      if (!TimeOnce(ours, log, nullptr)) rc = 1;
      if (!opt.docker.empty() && !TimeOnce(theirs, log, nullptr)) rc = 1;
    }
    for (int i = 0; i < opt.runs && rc == 0 && !berth::bench::Interrupted(); ++i) {
      // Alternate which goes first, so neither always meets a warm cache.
      bool docker_first = !opt.docker.empty() && i % 2 == 1;
      if (docker_first && !TimeOnce(theirs, log, &docker_t)) rc = 1;
      if (rc == 0 && !TimeOnce(ours, log, &berth_t)) rc = 1;
      if (rc == 0 && !opt.docker.empty() && !docker_first && !TimeOnce(theirs, log, &docker_t)) {
        rc = 1;
      }
    }
    if (rc != 0) break;
    std::printf("%-10s %-8s %10.2f %10.2f\n", command.c_str(), "berth", berth_t.Median(),
                berth_t.Min());
    if (!opt.docker.empty()) {
      std::printf("%-10s %-8s %10.2f %10.2f\n", command.c_str(), "docker", docker_t.Median(),
                  docker_t.Min());
      std::printf("%-10s ratio berth/docker (medians): %.3f (target <= 0.200)\n", command.c_str(),
                  berth_t.Median() / docker_t.Median());
    }
  }
  if (opt.docker.empty()) std::printf("docker CLI not installed: no ratio\n");

  if (daemon.ok()) {
    pid_t pid = daemon->release();
    ::kill(pid, SIGTERM);
    (void)berth::testing::WaitChild(pid, std::chrono::seconds(30));
  }
  berth::bench::UnmountUnder(dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}

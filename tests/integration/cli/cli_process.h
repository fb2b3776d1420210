// A CLI (berth, or the docker CLI on the same berthd) running as a process
// the test talks to while it runs: on a pty, as a user at a terminal, or
// with its output going to files, to be signalled and waited for.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/unique_fd.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {

class Pty {
 public:
  Pty(uint16_t rows, uint16_t cols) {
    int master = -1, slave = -1;
    winsize ws{rows, cols, 0, 0};
    REQUIRE(openpty(&master, &slave, nullptr, nullptr, &ws) == 0);
    master_.reset(master);
    slave_.reset(slave);
    REQUIRE(fcntl(master, F_SETFD, FD_CLOEXEC) == 0);
    REQUIRE(fcntl(slave, F_SETFD, FD_CLOEXEC) == 0);
  }
  int slave() const { return slave_.get(); }

  void Resize(uint16_t rows, uint16_t cols) {
    winsize ws{rows, cols, 0, 0};
    REQUIRE(ioctl(master_.get(), TIOCSWINSZ, &ws) == 0);
  }
  void Type(const std::string& text) {
    REQUIRE(write(master_.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  // Reads until `text` has appeared in what was read since the last call
  // (kept in seen()), or the timeout.
  bool WaitFor(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seen_.find(text, from_) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!ReadSome(static_cast<int>(left.count()))) return false;
    }
    from_ = seen_.find(text, from_) + text.size();
    return true;
  }
  // Reads everything until the other side is closed (the last process
  // holding the slave exited, and the test closed its own) or the timeout.
  void ReadToEnd(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    slave_.reset();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(static_cast<int>(left.count()))) return;
    }
  }
  const std::string& seen() const { return seen_; }

 private:
  bool ReadSome(int timeout_ms) {
    pollfd p{master_.get(), POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return true;
    char buf[4096];
    ssize_t n = read(master_.get(), buf, sizeof buf);
    if (n <= 0) return false;  // EIO once no slave is open
    seen_.append(buf, static_cast<size_t>(n));
    return true;
  }

  UniqueFd master_, slave_;
  std::string seen_;
  size_t from_ = 0;
};

// The environment each CLI gets: the fixture's daemon and its own HOME.
inline std::vector<std::string> CliEnv(BerthdFixture& f, bool docker) {
  return {(docker ? "DOCKER_HOST=unix://" : "BERTH_HOST=unix://") + f.socket(),
          "HOME=" + f.Path(""), "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
}

inline std::string CliProgram(bool docker) {
  return docker ? BerthdFixture::DockerCli() : BinaryPath("berth");
}

// A CLI started in the background, stdin /dev/null, stdout and stderr in
// files under the fixture's dir.
class CliProcess {
 public:
  CliProcess(BerthdFixture& f, bool docker, const std::vector<std::string>& args,
             const std::string& tag)
      : out_path_(f.Path(tag + ".out")), err_path_(f.Path(tag + ".err")) {
    UniqueFd out(::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    UniqueFd err(::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    REQUIRE(out);
    REQUIRE(err);
    SpawnOptions spawn;
    spawn.argv = {CliProgram(docker)};
    spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
    spawn.env = CliEnv(f, docker);
    spawn.fds = {{1, out.get()}, {2, err.get()}};
    absl::StatusOr<ScopedPid> pid = Spawn(spawn);
    REQUIRE(pid.ok());
    pid_ = *std::move(pid);
  }
  ~CliProcess() {
    if (pid_.ok()) (void)WaitChild(pid_.release(), std::chrono::seconds(1));  // kills it
  }

  std::string out() const { return ReadFile(out_path_).value_or(""); }
  std::string err() const { return ReadFile(err_path_).value_or(""); }

  // Polls stdout until it holds `text`.
  bool WaitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  void Signal(int sig) { REQUIRE(::kill(pid_.get(), sig) == 0); }
  // Whether it is still running after `grace`.
  bool RunningAfter(std::chrono::milliseconds grace) {
    std::this_thread::sleep_for(grace);
    // The reaper thread reaps it once it exits; until then it is a zombie.
    absl::StatusOr<std::string> stat = ReadFile("/proc/" + std::to_string(pid_.get()) + "/stat");
    if (!stat.ok()) return false;
    size_t paren = stat->rfind(')');
    return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] != 'Z';
  }
  ExitStatus Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    absl::StatusOr<ExitStatus> status = WaitChild(pid_.release(), timeout);
    REQUIRE(status.ok());
    return *status;
  }

 private:
  std::string out_path_, err_path_;
  ScopedPid pid_;
};

// Runs a CLI to its end with stdin, stdout and stderr on a fresh pty of
// `rows` x `cols`; everything it wrote (after the pty's \n -> \r\n).
struct PtyRun {
  ExitStatus status;
  std::string output;
};
inline PtyRun RunOnPty(BerthdFixture& f, bool docker, const std::vector<std::string>& args,
                       uint16_t rows = 40, uint16_t cols = 150) {
  Pty pty(rows, cols);
  SpawnOptions spawn;
  spawn.argv = {CliProgram(docker)};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.env = CliEnv(f, docker);
  spawn.fds = {{0, pty.slave()}, {1, pty.slave()}, {2, pty.slave()}};
  absl::StatusOr<ScopedPid> pid = Spawn(spawn);
  REQUIRE(pid.ok());
  pty.ReadToEnd();  // read while it writes: a full pty would stop it
  absl::StatusOr<ExitStatus> status = WaitChild(pid->release(), std::chrono::seconds(60));
  REQUIRE(status.ok());
  return {*status, pty.seen()};
}

}  // namespace berth::testing

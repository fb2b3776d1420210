// `berth run -it` driven through a pty, as a user at a terminal: a shell
// prompt, the window size at start and after a resize, and detaching with
// ctrl-p ctrl-q while the container keeps running.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/spawn.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

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
      pollfd p{master_.get(), POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(master_.get(), buf, sizeof buf);
      if (n <= 0) return false;
      seen_.append(buf, static_cast<size_t>(n));
    }
    from_ = seen_.find(text, from_) + text.size();
    return true;
  }
  const std::string& seen() const { return seen_; }

 private:
  UniqueFd master_, slave_;
  std::string seen_;
  size_t from_ = 0;
};

TEST_CASE("berth run -it: a shell at a terminal, resize, and detach", "[cli][berthd][tty]") {
  BerthdFixture f;
  Pty pty(40, 100);
  SpawnOptions spawn;
  spawn.argv = {BinaryPath("berth"), "run",  "-it",     "--name", "tt",
                "--network",         "none", "busybox", "sh"};
  spawn.env = std::vector<std::string>{"BERTH_HOST=unix://" + f.socket(), "HOME=" + f.Path(""),
                                       "PATH=/usr/bin:/bin", "TERM=xterm"};
  spawn.fds = {{0, pty.slave()}, {1, pty.slave()}, {2, pty.slave()}};
  absl::StatusOr<ScopedPid> cli = Spawn(spawn);
  REQUIRE(cli.ok());

  INFO(pty.seen());
  REQUIRE(pty.WaitFor("# "));
  pty.Type("stty size\r");
  CHECK(pty.WaitFor("40 100"));

  // The window changes: the CLI hears SIGWINCH and resizes the container's.
  pty.Resize(30, 90);
  REQUIRE(::kill(cli->get(), SIGWINCH) == 0);
  bool resized = false;
  for (int i = 0; i < 50 && !resized; ++i) {
    pty.Type("stty size\r");
    resized = pty.WaitFor("30 90", std::chrono::seconds(1));
  }
  CHECK(resized);

  // The default detach keys end the CLI with 0 and leave the shell running.
  pty.Type("\x10\x11");
  pid_t pid = cli->release();
  absl::StatusOr<ExitStatus> status = WaitChild(pid, std::chrono::seconds(20));
  REQUIRE(status.ok());
  CHECK(status->code == 0);
  CHECK(f.Berth({"ps", "--format", "{{.Names}} {{.State}}"}).out == "tt running\n");
  // And the shell still answers through docker's exec path.
  CHECK(f.Berth({"exec", "tt", "echo", "alive"}).out == "alive\n");
  CHECK(f.Berth({"rm", "-f", "tt"}).status.code == 0);
}

}  // namespace
}  // namespace berth::testing

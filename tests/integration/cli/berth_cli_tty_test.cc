// `berth run -it` driven through a pty, as a user at a terminal: a shell
// prompt, the window size at start and after a resize, and detaching with
// ctrl-p ctrl-q while the container keeps running.
#include <signal.h>

#include <catch2/catch.hpp>

#include "common/spawn.h"
#include "common/strings.h"
#include "tests/integration/cli/cli_process.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

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

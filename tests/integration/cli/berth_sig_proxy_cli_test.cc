// --sig-proxy end to end: the berth process gets a signal while attached
// to a container (run, start -a, attach), and the container gets it
// through POST /containers/{id}/kill, or not with --sig-proxy=false; and
// the same scenes played by the docker CLI on the same daemon.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/signals.h"
#include "tests/integration/cli/cli_process.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

using std::chrono_literals::operator""ms;

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

// Says which signal reached it, and exits with a code of its own per signal.
constexpr char kTrapScript[] =
    "trap 'echo got USR1; exit 3' USR1; trap 'echo got INT; exit 4' INT; "
    "trap 'echo got TERM; exit 5' TERM; trap 'echo got HUP; exit 6' HUP; "
    "trap 'echo got WINCH' WINCH; "
    "echo ready; while true; do sleep 0.1; done";

// The same, saying "tick" all along (for attach, which joins after "ready").
constexpr char kTickScript[] =
    "trap 'echo got USR1; exit 3' USR1; trap 'echo got INT; exit 4' INT; "
    "while true; do echo tick; sleep 0.2; done";

struct Outcome {
  int code = -1;
  int signal = 0;
  std::string out, err;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  auto quoted = [](const std::string& s) { return nlohmann::json(s).dump(); };
  return os << "{code " << o.code << ", signal " << o.signal << ", out " << quoted(o.out)
            << ", err " << quoted(o.err) << "}";
}

Outcome Finish(CliProcess& cli) {
  ExitStatus status = cli.Wait();
  return {status.code, status.signal, cli.out(), cli.err()};
}

// `run` attached, without a tty unless `tty`; the CLI gets `sig`.
Outcome RunAndSignal(BerthdFixture& f, bool docker, int sig, bool tty = false) {
  std::vector<std::string> args = {"run", "--rm", "--network", "none"};
  if (tty) args.push_back("-t");
  args.insert(args.end(), {"busybox", "sh", "-c", kTrapScript});
  CliProcess cli(f, docker, args, std::string(docker ? "docker" : "berth") + "-run");
  REQUIRE(cli.WaitForOutput("ready"));
  cli.Signal(sig);
  return Finish(cli);
}

TEST_CASE("berth run forwards the signals it receives to the container", "[cli][berthd][signals]") {
  BerthdFixture f;
  struct Case {
    int sig;
    int code;
    const char* said;
  };
  for (const Case& c : {Case{SIGUSR1, 3, "got USR1"}, Case{SIGINT, 4, "got INT"},
                        Case{SIGTERM, 5, "got TERM"}, Case{SIGHUP, 6, "got HUP"}}) {
    INFO(c.said);
    Outcome o = RunAndSignal(f, false, c.sig);
    CHECK(o == Outcome{c.code, 0, std::string("ready\n") + c.said + "\n", ""});
  }
  // With a tty as well, as docker 28 does: the output comes through the pty.
  Outcome tty = RunAndSignal(f, false, SIGUSR1, /*tty=*/true);
  CHECK(tty == Outcome{3, 0, "ready\r\ngot USR1\r\n", ""});

  // A window change goes on too, as docker 28 sends it (measured beside it).
  auto winch = [&](bool docker) {
    CliProcess cli(f, docker,
                   {"run", "--rm", "--network", "none", "busybox", "sh", "-c", kTrapScript},
                   docker ? "docker-winch" : "berth-winch");
    REQUIRE(cli.WaitForOutput("ready"));
    cli.Signal(SIGWINCH);
    REQUIRE(cli.WaitForOutput("got WINCH"));
    cli.Signal(SIGUSR1);
    return Finish(cli);
  };
  Outcome berth_winch = winch(false);
  CHECK(berth_winch == Outcome{3, 0, "ready\ngot WINCH\ngot USR1\n", ""});
  if (HaveDocker()) CHECK(winch(true) == berth_winch);
  CHECK(f.Berth({"ps", "-aq"}).out.empty());
}

// --sig-proxy=false: USR1 ignored, INT and TERM not forwarded, and the third
// INT/TERM ends the CLI with docker's message, leaving the container running.
struct Unproxied {
  bool alive_after_two = false;
  std::string container_state;
  Outcome outcome;
  std::string state_after;
};

Unproxied RunUnproxied(BerthdFixture& f, bool docker) {
  std::string name = docker ? "quiet-docker" : "quiet-berth";
  CliProcess cli(f, docker,
                 {"run", "--sig-proxy=false", "--name", name, "--network", "none", "busybox", "sh",
                  "-c", kTrapScript},
                 name);
  REQUIRE(cli.WaitForOutput("ready"));
  Unproxied u;
  cli.Signal(SIGUSR1);
  std::this_thread::sleep_for(300ms);
  cli.Signal(SIGINT);
  std::this_thread::sleep_for(300ms);
  cli.Signal(SIGTERM);
  u.alive_after_two = cli.RunningAfter(1000ms);
  u.container_state = f.Inspect(name)["State"].value("Status", "");
  cli.Signal(SIGINT);
  u.outcome = Finish(cli);
  u.state_after = f.Inspect(name)["State"].value("Status", "");
  CHECK(f.Berth({"rm", "-f", name}).status.code == 0);
  return u;
}

TEST_CASE("berth run --sig-proxy=false keeps the signals from the container",
          "[cli][berthd][signals]") {
  BerthdFixture f;
  Unproxied u = RunUnproxied(f, false);
  CHECK(u.alive_after_two);
  CHECK(u.container_state == "running");
  CHECK(u.outcome == Outcome{1, 0, "ready\n", "\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n"});
  CHECK(u.state_after == "running");
}

TEST_CASE("berth start -a and berth attach forward signals", "[cli][berthd][signals]") {
  BerthdFixture f;
  REQUIRE(
      f.Berth({"create", "--network", "none", "--name", "job", "busybox", "sh", "-c", kTrapScript})
          .status.code == 0);
  {
    CliProcess start(f, false, {"start", "-a", "job"}, "start");
    REQUIRE(start.WaitForOutput("ready"));
    start.Signal(SIGUSR1);
    CHECK(Finish(start) == Outcome{3, 0, "ready\ngot USR1\n", ""});
  }

  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "bg", "busybox", "sh", "-c",
                   kTickScript})
              .status.code == 0);
  {
    // --sig-proxy=false: the container never hears of it; berth stays.
    CliProcess quiet(f, false, {"attach", "--sig-proxy=false", "bg"}, "attach-quiet");
    REQUIRE(quiet.WaitForOutput("tick"));
    quiet.Signal(SIGUSR1);
    quiet.Signal(SIGINT);
    CHECK(quiet.RunningAfter(1000ms));
    CHECK(f.Inspect("bg")["State"].value("Status", "") == "running");
    CHECK(quiet.out().find("got") == std::string::npos);
    quiet.Signal(SIGKILL);
    CHECK(quiet.Wait().signal == SIGKILL);
  }
  {
    CliProcess attach(f, false, {"attach", "bg"}, "attach");
    REQUIRE(attach.WaitForOutput("tick"));
    attach.Signal(SIGINT);
    Outcome o = Finish(attach);
    CHECK(o.code == 4);
    CHECK_THAT(o.out, Catch::EndsWith("tick\ngot INT\n"));
    CHECK(o.err.empty());
  }
}

TEST_CASE("berth and docker handle signals alike while attached",
          "[cli][berthd][signals][docker-cli]") {
  if (!HaveDocker()) Skip("the docker CLI is not installed (/usr/bin/docker)");
  BerthdFixture f;
  for (int sig : {SIGUSR1, SIGINT, SIGTERM}) {
    INFO(SignalName(sig));
    CHECK(RunAndSignal(f, false, sig) == RunAndSignal(f, true, sig));
  }
  CHECK(RunAndSignal(f, false, SIGUSR1, true) == RunAndSignal(f, true, SIGUSR1, true));

  Unproxied ours = RunUnproxied(f, false);
  Unproxied theirs = RunUnproxied(f, true);
  CHECK(ours.alive_after_two == theirs.alive_after_two);
  CHECK(ours.container_state == theirs.container_state);
  CHECK(ours.outcome == theirs.outcome);
  CHECK(ours.state_after == theirs.state_after);
}

}  // namespace
}  // namespace berth::testing

// The berth CLI against a real berthd: exit codes, output, errors, and the
// same output as the docker CLI's on the same daemon where it is installed.
#include <catch2/catch.hpp>
#include <thread>

#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

// Polls `berth logs` until `text` shows up.
bool LogsShow(BerthdFixture& f, const std::string& name, const std::string& text) {
  for (int i = 0; i < 100; ++i) {
    if (f.Berth({"logs", name}).out.find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST_CASE("berth run: output, exit codes, stdin, a tty and --rm", "[cli][berthd]") {
  BerthdFixture f;
  SpawnResult hello = f.Berth({"run", "--rm", "--network", "none", "busybox", "echo", "hello"});
  INFO(hello.err);
  CHECK(hello.status.code == 0);
  CHECK(hello.out == "hello\n");
  CHECK(hello.err.empty());

  SpawnResult failing = f.Berth(
      {"run", "--rm", "--network", "none", "busybox", "sh", "-c", "echo oops >&2; exit 42"});
  CHECK(failing.status.code == 42);
  CHECK(failing.out.empty());
  CHECK(failing.err == "oops\n");

  SpawnResult piped =
      f.Berth({"run", "--rm", "-i", "--network", "none", "busybox", "tr", "a-z", "A-Z"}, "shout\n");
  CHECK(piped.status.code == 0);
  CHECK(piped.out == "SHOUT\n");

  SpawnResult tty = f.Berth({"run", "--rm", "-t", "--network", "none", "busybox", "tty"});
  CHECK(tty.out.rfind("/dev/pts/", 0) == 0);

  // Flags after the image belong to the container's command.
  SpawnResult args =
      f.Berth({"run", "--rm", "--network", "none", "busybox", "echo", "-d", "--rm", "-e"});
  CHECK(args.out == "-d --rm -e\n");

  SpawnResult missing = f.Berth({"run", "--rm", "--network", "none", "busybox", "/no/such"});
  CHECK(missing.status.code == 127);
  CHECK_THAT(missing.err, Catch::Contains("/no/such"));

  SpawnResult env = f.Berth({"run", "--rm", "--network", "none", "-e", "GREETING=hi", "-w", "/tmp",
                             "-u", "65534", "--hostname", "boat", "busybox", "sh", "-c",
                             "echo $GREETING $(pwd) $(id -u) $(hostname)"});
  CHECK(env.out == "hi /tmp 65534 boat\n");

  // The default network's warning, as docker prints create's warnings.
  SpawnResult bridged = f.Berth({"run", "--rm", "busybox", "true"});
  CHECK(bridged.status.code == 0);
  CHECK_THAT(bridged.err, Catch::StartsWith("WARNING: "));

  CHECK(f.Berth({"ps", "-aq"}).out.empty());
}

TEST_CASE("berth: a detached container's life through the CLI", "[cli][berthd]") {
  BerthdFixture f;
  SpawnResult run = f.Berth({"run", "-d", "--network", "none", "--name", "web", "-l", "tier=front",
                             "busybox", "sh", "-c", "echo started; exec sleep 300"});
  INFO(run.err);
  REQUIRE(run.status.code == 0);
  std::string id(TrimSpace(run.out));
  REQUIRE(id.size() == 64);

  CHECK(f.Berth({"ps", "--format", "{{.Names}} {{.State}}"}).out == "web running\n");
  CHECK(f.Berth({"ps", "-q", "--filter", "label=tier=front"}).out == id.substr(0, 12) + "\n");
  CHECK(f.Berth({"ps", "-q", "--no-trunc"}).out == id + "\n");
  CHECK(f.Berth({"ps", "-q", "--filter", "label=tier=back"}).out.empty());
  CHECK(f.Berth({"ps", "--format", "{{.Label \"tier\"}}"}).out == "front\n");
  CHECK(LogsShow(f, "web", "started\n"));

  CHECK(f.Berth({"inspect", "-f", "{{.State.Running}} {{.Name}}", "web"}).out == "true /web\n");
  SpawnResult inspected = f.Berth({"container", "inspect", "web"});
  nlohmann::json parsed = nlohmann::json::parse(inspected.out, nullptr, false);
  REQUIRE(parsed.is_array());
  CHECK(parsed[0]["Id"] == id);

  SpawnResult exec = f.Berth({"exec", "web", "sh", "-c", "echo in; exit 3"});
  CHECK(exec.status.code == 3);
  CHECK(exec.out == "in\n");
  CHECK(f.Berth({"exec", "-i", "web", "cat"}, "through\n").out == "through\n");

  CHECK(f.Berth({"pause", "web"}).out == "web\n");
  CHECK(f.Berth({"ps", "--format", "{{.State}}"}).out == "paused\n");
  CHECK(f.Berth({"unpause", "web"}).status.code == 0);

  SpawnResult refused = f.Berth({"rm", "web"});
  CHECK(refused.status.code == 1);
  CHECK_THAT(refused.err, Catch::StartsWith("Error response from daemon: "));

  CHECK(f.Berth({"rename", "web", "site"}).status.code == 0);
  CHECK(f.Berth({"stop", "-t", "1", "site"}).out == "site\n");
  CHECK(f.Berth({"ps", "-a", "--format", "{{.Names}} {{.State}}"}).out == "site exited\n");
  CHECK(f.Berth({"wait", "site"}).out == "137\n");
  CHECK(f.Berth({"start", "site"}).out == "site\n");
  CHECK(f.Berth({"restart", "-t", "0", "site"}).out == "site\n");
  CHECK(f.Berth({"kill", "site"}).out == "site\n");
  CHECK(f.Berth({"rm", "-f", "site"}).out == "site\n");
  CHECK(f.Berth({"ps", "-aq"}).out.empty());
}

TEST_CASE("berth create, start -a, and attach", "[cli][berthd]") {
  BerthdFixture f;
  SpawnResult created = f.Berth(
      {"create", "--network", "none", "--name", "job", "busybox", "sh", "-c", "echo ran; exit 5"});
  INFO(created.err);
  REQUIRE(created.status.code == 0);
  CHECK(f.Berth({"ps", "-a", "--format", "{{.State}}"}).out == "created\n");
  SpawnResult started = f.Berth({"start", "-a", "job"});
  CHECK(started.status.code == 5);
  CHECK(started.out == "ran\n");

  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "talker", "busybox", "sh", "-c",
                   "sleep 1; echo late; exit 7"})
              .status.code == 0);
  SpawnResult attached = f.Berth({"attach", "talker"});
  CHECK(attached.status.code == 7);
  CHECK(attached.out == "late\n");
  SpawnResult stopped = f.Berth({"attach", "talker"});
  CHECK(stopped.status.code == 1);
  CHECK_THAT(stopped.err, Catch::Contains("You cannot attach to a stopped container"));
}

TEST_CASE("berth errors: daemon down, unknown objects, bad flags", "[cli][berthd]") {
  BerthdFixture f;
  SpawnResult down = f.Berth({"-H", "unix://" + f.Path("nowhere.sock"), "ps"});
  CHECK(down.status.code == 1);
  CHECK_THAT(down.err, Catch::Contains("Cannot connect to the Berth daemon at unix://" +
                                       f.Path("nowhere.sock")));
  SpawnResult unknown = f.Berth({"stop", "nope"});
  CHECK(unknown.status.code == 1);
  CHECK(unknown.err == "Error response from daemon: No such container: nope\n");
  SpawnResult bad_flag = f.Berth({"ps", "--bogus"});
  CHECK(bad_flag.status.code == 125);
  CHECK_THAT(bad_flag.err, Catch::Contains("--bogus"));
  SpawnResult bad_memory = f.Berth({"run", "-m", "lots", "busybox", "true"});
  CHECK(bad_memory.status.code == 125);
  CHECK_THAT(bad_memory.err, Catch::Contains("lots"));
  SpawnResult no_image = f.Berth({"run", "--pull", "never", "nosuchimage", "true"});
  CHECK(no_image.status.code == 125);
  CHECK_THAT(no_image.err, Catch::Contains("No such image"));
  SpawnResult conflict = f.Berth({"run", "--rm", "--restart", "always", "busybox", "true"});
  CHECK(conflict.status.code == 125);
  CHECK_THAT(conflict.err, Catch::Contains("Conflicting options: --restart and --rm"));
  CHECK(f.Berth({"ps", "-aq"}).out.empty());
}

TEST_CASE("berth and docker print the same listings and errors", "[cli][berthd][docker-cli]") {
  if (!HaveDocker()) Skip("the docker CLI is not installed (/usr/bin/docker)");
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "one", "-l", "a=b", "busybox",
                   "sleep", "300"})
              .status.code == 0);
  REQUIRE(f.Berth({"create", "--network", "none", "--name", "two", "busybox", "sh", "-c",
                   "echo a long command line that gets cut"})
              .status.code == 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"ps", "-a", "--format", "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Names}}"},
           {"ps", "-a", "--no-trunc", "--format", "table {{.ID}}\t{{.Command}}\t{{.Labels}}"},
           {"ps", "-a", "--format", "{{json .Names}} {{.State}} {{.Label \"a\"}}"},
           {"ps", "-aq"},
           {"inspect", "--format", "{{.Config.Image}} {{json .Config.Cmd}}", "one", "two"},
           {"stop", "nothing-here"},
           {"inspect", "nothing-here"},
       }) {
    SpawnResult ours = f.Berth(args);
    SpawnResult theirs = f.Docker(args);
    INFO(Join(args, " "));
    CHECK(ours.out == theirs.out);
    CHECK(ours.status.code == theirs.status.code);
    CHECK(ours.err == theirs.err);
  }
  // inspect's JSON: the same document.
  CHECK(nlohmann::json::parse(f.Berth({"inspect", "one"}).out, nullptr, false) ==
        nlohmann::json::parse(f.Docker({"inspect", "one"}).out, nullptr, false));
}

}  // namespace
}  // namespace berth::testing

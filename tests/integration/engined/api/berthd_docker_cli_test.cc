// The stock docker CLI against berthd (skipped, saying so, where the CLI
// is not installed).
#include <catch2/catch.hpp>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/registry_server.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

void RequireDockerCli() {
  if (BerthdFixture::DockerCli().empty()) Skip("the docker CLI is not installed (/usr/bin/docker)");
}

TEST_CASE("docker CLI: run, its exit code, stdin and a tty", "[berthd][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  SpawnResult hello = f.Docker({"run", "--rm", "busybox", "echo", "hello from berth"});
  INFO(hello.err);
  CHECK(hello.status.code == 0);
  CHECK(hello.out == "hello from berth\n");
  SpawnResult failing = f.Docker({"run", "--rm", "busybox", "sh", "-c", "echo oops >&2; exit 42"});
  CHECK(failing.status.code == 42);
  CHECK(failing.err.find("oops\n") != std::string::npos);
  SpawnResult piped = f.Docker({"run", "--rm", "-i", "busybox", "tr", "a-z", "A-Z"}, "shout\n");
  CHECK(piped.out == "SHOUT\n");
  SpawnResult tty = f.Docker({"run", "--rm", "-t", "busybox", "tty"});
  CHECK(tty.out.rfind("/dev/pts/", 0) == 0);
  SpawnResult missing = f.Docker({"run", "--rm", "busybox", "/no/such/binary"});
  CHECK(missing.status.code == 127);
  SpawnResult env =
      f.Docker({"run", "--rm", "-e", "GREETING=hi", "-w", "/tmp", "-u", "65534", "--hostname",
                "boat", "busybox", "sh", "-c", "echo $GREETING $(pwd) $(id -u) $(hostname)"});
  CHECK(env.out == "hi /tmp 65534 boat\n");
  // No container is left behind by --rm.
  CHECK(f.Docker({"ps", "-aq"}).out.empty());
}

TEST_CASE("docker CLI: detached containers, logs, exec, ps, inspect, stop, rm",
          "[berthd][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  SpawnResult run = f.Docker({"run", "-d", "--name", "web", "-l", "tier=front", "busybox", "sh",
                              "-c", "echo started; exec sleep 300"});
  INFO(run.err);
  REQUIRE(run.status.code == 0);
  std::string id(TrimSpace(run.out));
  REQUIRE(id.size() == 64);
  SpawnResult ps = f.Docker({"ps", "--format", "{{.Names}} {{.Status}}"});
  CHECK(ps.out.rfind("web Up", 0) == 0);
  CHECK(f.Docker({"ps", "-q", "--filter", "label=tier=front"}).out == id.substr(0, 12) + "\n");
  CHECK(f.Docker({"ps", "-q", "--filter", "label=tier=back"}).out.empty());
  for (int i = 0; i < 50 && f.Docker({"logs", "web"}).out.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(f.Docker({"logs", "web"}).out == "started\n");
  CHECK(f.Docker({"exec", "web", "cat", "/etc/hostname"}).out == id.substr(0, 12) + "\n");
  CHECK(f.Docker({"exec", "-e", "X=1", "web", "sh", "-c", "echo $X"}).out == "1\n");
  CHECK(f.Docker({"exec", "web", "sh", "-c", "exit 3"}).status.code == 3);
  CHECK(f.Docker({"inspect", "--format", "{{.State.Status}} {{.Config.Labels.tier}}", "web"}).out ==
        "running front\n");
  SpawnResult rm_running = f.Docker({"rm", "web"});
  CHECK(rm_running.status.code != 0);
  CHECK(rm_running.err.find("stop the container") != std::string::npos);
  CHECK(f.Docker({"stop", "-t", "1", "web"}).status.code == 0);
  CHECK(f.Docker({"inspect", "--format", "{{.State.ExitCode}}", "web"}).out == "137\n");
  CHECK(f.Docker({"restart", "-t", "1", "web"}).status.code == 0);
  CHECK(f.Docker({"inspect", "--format", "{{.State.Status}}", "web"}).out == "running\n");
  CHECK(f.Docker({"rename", "web", "site"}).status.code == 0);
  CHECK(f.Docker({"rm", "-f", "site"}).status.code == 0);
  SpawnResult gone = f.Docker({"inspect", "site"});
  CHECK(gone.status.code != 0);
  CHECK(gone.err.find("No such") != std::string::npos);
  CHECK(f.Docker({"images", "--format", "{{.Repository}}:{{.Tag}}"}).out == "busybox:latest\n");
}

}  // namespace
}  // namespace berth::testing

namespace berth::testing {
namespace {

TEST_CASE("docker CLI: tag, push, rmi, pull and run through a local registry",
          "[berthd][docker-cli]") {
  RequireDockerCli();
  RegistryServer registry;
  BerthdFixture f;
  std::string ref = registry.host() + "/berth/bb:v1";
  REQUIRE(f.Docker({"tag", "busybox", ref}).status.code == 0);
  SpawnResult pushed = f.Docker({"push", ref});
  INFO(pushed.out << pushed.err);
  REQUIRE(pushed.status.code == 0);
  CHECK(pushed.out.find("The push refers to repository [" + registry.host() + "/berth/bb]") !=
        std::string::npos);
  CHECK(pushed.out.find("v1: digest: sha256:") != std::string::npos);
  REQUIRE(f.Docker({"rmi", ref}).status.code == 0);
  REQUIRE(f.Docker({"rmi", "busybox"}).status.code == 0);
  CHECK(f.Docker({"images", "-q"}).out.empty());
  SpawnResult pulled = f.Docker({"pull", ref});
  INFO(pulled.out << pulled.err);
  REQUIRE(pulled.status.code == 0);
  CHECK(pulled.out.find("Status: Downloaded newer image for " + ref) != std::string::npos);
  SpawnResult again = f.Docker({"pull", ref});
  CHECK(again.out.find("Status: Image is up to date for " + ref) != std::string::npos);
  SpawnResult ran = f.Docker({"run", "--rm", ref, "echo", "pulled and ran"});
  CHECK(ran.out == "pulled and ran\n");
  SpawnResult missing = f.Docker({"pull", registry.host() + "/berth/nothere:1"});
  CHECK(missing.status.code != 0);
  CHECK(missing.err.find("nothere") != std::string::npos);
}

}  // namespace
}  // namespace berth::testing

namespace berth::testing {
namespace {

TEST_CASE("docker CLI: load streams an archive larger than any buffered body",
          "[berthd][docker-cli]") {
  RequireDockerCli();
  BerthdFixture f;
  // 20 MiB inside the image: more than the 16 MiB berthd reads into memory.
  std::string big = f.Path("big.bin");
  REQUIRE(WriteFile(big, std::string(20 << 20, 'x'), 0755).ok());
  SpawnOptions make;
  make.argv = {BinaryPath("berth-testimage"),
               "docker-archive",
               f.Path("big.tar"),
               "--tag",
               "big:1",
               "--probe",
               big};
  absl::StatusOr<SpawnResult> made = RunCommand(make, "", std::chrono::seconds(60), f.Path(""));
  REQUIRE(made.ok());
  REQUIRE(made->status.success());
  SpawnResult loaded = f.Docker({"load", "-i", f.Path("big.tar")});
  INFO(loaded.err);
  REQUIRE(loaded.status.code == 0);
  CHECK(loaded.out == "Loaded image: big:1\n");
  SpawnResult size = f.Docker({"run", "--rm", "big:1", "wc", "-c", "/bin/berth-probe"});
  CHECK(size.out.find("20971520") != std::string::npos);
}

}  // namespace
}  // namespace berth::testing

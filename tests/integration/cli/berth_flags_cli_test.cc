// Flags of the docker CLI that berth lacked, each beside the docker CLI on
// the same daemon where it is installed: stop/restart --timeout, exec
// --env-file, and run/create --cidfile, -q, --memory-swappiness,
// --blkio-weight, --device-cgroup-rule, --health-start-interval.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/registry_server.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

// berth's or docker's answer, whichever CLI `docker` says.
SpawnResult Cli(BerthdFixture& f, bool docker, const std::vector<std::string>& args) {
  return docker ? f.Docker(args) : f.Berth(args);
}

TEST_CASE("berth stop and restart take docker 28's --timeout", "[cli][berthd][flags]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "napper", "busybox", "sleep", "300"})
              .status.code == 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"stop", "--timeout", "1", "napper"},
           {"restart", "-t", "0", "napper"},
           // The old name still works, as in docker, but is no longer listed.
           {"container", "restart", "--time", "0", "napper"},
           {"stop", "--timeout=0", "napper"}}) {
    SpawnResult r = f.Berth(args);
    INFO(Join(args, " ") << ": " << r.err);
    CHECK(r.status.code == 0);
    CHECK(r.out == "napper\n");
  }
  std::string help = f.Berth({"stop", "--help"}).out;
  CHECK_THAT(help, Catch::Contains("-t,--timeout"));
  CHECK(help.find("--time ") == std::string::npos);
  SpawnResult removed = f.Berth({"rm", "napper"});
  INFO(removed.err);
  CHECK(removed.status.code == 0);
}

TEST_CASE("berth exec --env-file", "[cli][berthd][flags]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "box", "busybox", "sleep", "300"})
              .status.code == 0);
  std::string file = f.Path("exec.env");
  REQUIRE(WriteFile(file, "# settings\nA=1\n\nB=from file\nC=file\n").ok());
  std::vector<std::string> args = {"exec", "--env-file", file, "-e",           "C=flag",
                                   "box",  "sh",         "-c", "echo $A/$B/$C"};
  SpawnResult ours = f.Berth(args);
  INFO(ours.err);
  CHECK(ours.status.code == 0);
  CHECK(ours.out == "1/from file/flag\n");  // -e after the files, as docker
  SpawnResult missing = f.Berth({"exec", "--env-file", f.Path("nope.env"), "box", "true"});
  CHECK(missing.status.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("nope.env"));
  if (HaveDocker()) CHECK(f.Docker(args).out == ours.out);
}

TEST_CASE("berth run and create: cgroup flags, --cidfile, --health-start-interval",
          "[cli][berthd][flags]") {
  BerthdFixture f;
  const std::string kInspect =
      "{{.HostConfig.MemorySwappiness}} {{.HostConfig.BlkioWeight}} "
      "{{json .HostConfig.DeviceCgroupRules}}";
  for (bool docker : {false, true}) {
    if (docker && !HaveDocker()) break;
    std::string tag = docker ? "docker" : "berth";
    INFO(tag);
    std::string cid = f.Path(tag + ".cid");
    SpawnResult created =
        Cli(f, docker,
            {"create", "--network", "none", "--name", "tuned-" + tag, "--cidfile", cid,
             "--memory-swappiness", "10", "--blkio-weight", "300", "--device-cgroup-rule",
             "c 1:3 rwm", "--device-cgroup-rule", "b *:* m", "busybox", "true"});
    INFO(created.err);
    REQUIRE(created.status.code == 0);
    // The ID in the file, without a newline.
    CHECK(ReadFile(cid).value_or("") + "\n" == created.out);
    CHECK(f.Berth({"inspect", "-f", kInspect, "tuned-" + tag}).out ==
          "10 300 [\"c 1:3 rwm\",\"b *:* m\"]\n");
    // Without the flags: docker's defaults, sent by the CLI.
    REQUIRE(Cli(f, docker, {"create", "--network", "none", "--name", "plain-" + tag, "busybox"})
                .status.code == 0);
    CHECK(f.Berth({"inspect", "-f", kInspect, "plain-" + tag}).out == "-1 0 null\n");

    // A file already there: refused, and left alone.
    SpawnResult again = Cli(f, docker, {"create", "--cidfile", cid, "busybox"});
    CHECK(again.status.code == 1);
    CHECK(again.err ==
          "container ID file found, make sure the other container isn't running or delete " + cid +
              "\n");
    CHECK(ReadFile(cid).value_or("") + "\n" == created.out);
    // The run that starts it writes it too.
    std::string run_cid = f.Path(tag + "-run.cid");
    SpawnResult ran = Cli(
        f, docker, {"run", "--rm", "--network", "none", "--cidfile", run_cid, "busybox", "true"});
    CHECK(ran.status.code == 0);
    CHECK(ReadFile(run_cid).value_or("").size() == 64);

    // Bad values: the CLI's own refusal, 125.
    SpawnResult swappiness = Cli(f, docker, {"create", "--memory-swappiness", "101", "busybox"});
    CHECK(swappiness.status.code == 125);
    CHECK_THAT(swappiness.err,
               Catch::Contains("invalid value: 101. Valid memory swappiness range is 0-100"));
    SpawnResult rule = Cli(f, docker, {"create", "--device-cgroup-rule", "bogus", "busybox"});
    CHECK(rule.status.code == 125);
    CHECK_THAT(rule.err, Catch::StartsWith("invalid argument \"bogus\" for "
                                           "\"--device-cgroup-rule\" flag: invalid device cgroup "
                                           "format 'bogus'\n"));
    // berthd speaks API 1.43; the field is 1.44's.
    SpawnResult interval =
        Cli(f, docker, {"create", "--health-start-interval", "2s", "busybox", "true"});
    CHECK(interval.status.code == 1);
    CHECK_THAT(interval.err, Catch::Contains("\"--health-start-interval\" requires API version "
                                             "1.44, but the "));
  }
}

TEST_CASE("berth run -q pulls without a word", "[cli][berthd][flags][registry]") {
  RegistryServer registry;
  BerthdFixture f;
  std::string ref = registry.host() + "/berth/quiet:v1";
  REQUIRE(f.Berth({"tag", "busybox", ref}).status.code == 0);
  REQUIRE(f.Berth({"push", ref}).status.code == 0);
  for (bool docker : {false, true}) {
    if (docker && !HaveDocker()) break;
    INFO((docker ? "docker" : "berth"));
    REQUIRE(f.Berth({"rmi", ref}).status.code == 0);
    SpawnResult ran =
        Cli(f, docker, {"run", "-q", "--rm", "--network", "none", ref, "echo", "quietly"});
    CHECK(ran.status.code == 0);
    CHECK(ran.out == "quietly\n");
    CHECK(ran.err.empty());  // no "Unable to find image", no progress
    REQUIRE(f.Berth({"rmi", ref}).status.code == 0);
    SpawnResult created = Cli(f, docker, {"create", "--quiet", "--network", "none", ref});
    CHECK(created.status.code == 0);
    CHECK(created.err.empty());
    CHECK(TrimSpace(created.out).size() == 64);
  }
}

}  // namespace
}  // namespace berth::testing

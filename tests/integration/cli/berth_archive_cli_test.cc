// berth diff, export and cp against a real berthd, and the same output as
// the docker CLI's on the same daemon where it is installed.
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

TEST_CASE("berth diff and export: changes, the rootfs tar, and errors", "[cli][berthd][archive]") {
  BerthdFixture f;
  SpawnResult ran = f.Berth({"run", "--network", "none", "--name", "changed", "busybox", "sh", "-c",
                             "touch /new; rm /etc/group; echo more >> /etc/passwd"});
  INFO(ran.err);
  REQUIRE(ran.status.code == 0);
  SpawnResult diff = f.Berth({"diff", "changed"});
  CHECK(diff.status.code == 0);
  CHECK(diff.out == "C /etc\nD /etc/group\nC /etc/passwd\nA /new\n");
  CHECK(f.Berth({"container", "diff", "changed"}).out == diff.out);

  SpawnResult exported = f.Berth({"export", "changed"});
  CHECK(exported.status.code == 0);
  CHECK(exported.out.find("bin/busybox") != std::string::npos);
  CHECK(f.Berth({"container", "export", "-o", f.Path("fs.tar"), "changed"}).status.code == 0);
  CHECK(ReadFile(f.Path("fs.tar")).value_or("") == exported.out);

  SpawnResult missing = f.Berth({"diff", "nothere"});
  CHECK(missing.status.code == 1);
  CHECK(missing.err == "Error response from daemon: No such container: nothere\n");

  if (HaveDocker()) {
    CHECK(f.Docker({"diff", "changed"}).out == diff.out);
    CHECK(f.Docker({"export", "changed"}).out == exported.out);
    SpawnResult docker_missing = f.Docker({"diff", "nothere"});
    CHECK(docker_missing.err == missing.err);
    CHECK(docker_missing.status.code == missing.status.code);
  }
  CHECK(f.Berth({"rm", "changed"}).status.code == 0);
}

TEST_CASE("berth cp: tars on stdout and stdin, and docker's errors", "[cli][berthd][archive]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "cpbox", "busybox", "sleep", "300"})
              .status.code == 0);
  SpawnResult out = f.Berth({"cp", "cpbox:/etc/passwd", "-"});
  INFO(out.err);
  CHECK(out.status.code == 0);
  CHECK(out.out.substr(0, 6) == "passwd");
  // A tar from one copy is a fine input for the other.
  SpawnResult in = f.Berth({"container", "cp", "-", "cpbox:/tmp"}, out.out);
  INFO(in.err);
  CHECK(in.status.code == 0);
  CHECK(f.Berth({"exec", "cpbox", "cmp", "/etc/passwd", "/tmp/passwd"}).status.code == 0);
  REQUIRE(f.Berth({"exec", "cpbox", "ln", "-s", "/etc/group", "/tmp/grp"}).status.code == 0);
  // The link's target, named as the target (docker renames only when it
  // extracts locally).
  CHECK(f.Berth({"cp", "-L", "cpbox:/tmp/grp", "-"}).out.substr(0, 6) == std::string("group", 6));

  SpawnResult missing = f.Berth({"cp", "cpbox:/nope", "-"});
  CHECK(missing.status.code == 1);
  CHECK(missing.err ==
        "Error response from daemon: Could not find the file /nope in container cpbox\n");
  SpawnResult not_dir = f.Berth({"cp", "-", "cpbox:/etc/passwd"}, out.out);
  CHECK(not_dir.status.code == 1);
  CHECK(not_dir.err == "destination \"cpbox:/etc/passwd\" must be a directory\n");
  CHECK(f.Berth({"cp", "a", "b"}).err == "must specify at least one container source\n");
  CHECK(f.Berth({"cp", "x:/a", "y:/b"}).err == "copying between containers is not supported\n");
  if (HaveDocker()) {
    SpawnResult docker_out = f.Docker({"cp", "cpbox:/etc/passwd", "-"});
    CHECK(docker_out.out.size() == out.out.size());
    CHECK(f.Docker({"cp", "cpbox:/nope", "-"}).err == missing.err);
    CHECK(f.Docker({"cp", "-", "cpbox:/etc/passwd"}, out.out).err == not_dir.err);
    CHECK(f.Docker({"cp", "a", "b"}).err == "must specify at least one container source\n");
  }
  CHECK(f.Berth({"rm", "-f", "cpbox"}).status.code == 0);
}

}  // namespace
}  // namespace berth::testing

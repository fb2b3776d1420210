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

}  // namespace
}  // namespace berth::testing

// stdin through attach and exec larger than any pipe or relay buffer: all
// of it reaches the process before its stdin closes, and a process that
// takes none of it still gets its output to the client.
#include <catch2/catch.hpp>
#include <string>

#include "tests/integration/engined/api/berthd_fixture.h"

namespace berth::testing {
namespace {

TEST_CASE("run -i and exec -i deliver all of a large stdin, then its end", "[berthd][stdin]") {
  BerthdFixture berthd;
  std::string input = std::string(300000, 'a') + "\n";

  SpawnResult run =
      berthd.Berth({"run", "--rm", "-i", "busybox", "sh", "-c", "wc -c; echo done"}, input);
  INFO(run.err);
  CHECK(run.status.code == 0);
  CHECK(run.out == std::to_string(input.size()) + "\ndone\n");

  // The process exits without reading: its output still arrives.
  SpawnResult ignored = berthd.Berth({"run", "--rm", "-i", "busybox", "echo", "ignored"}, input);
  INFO(ignored.err);
  CHECK(ignored.status.code == 0);
  CHECK(ignored.out == "ignored\n");

  SpawnResult started =
      berthd.Berth({"run", "-d", "--name", "stdin-sleeper", "busybox", "sleep", "60"});
  REQUIRE(started.status.success());
  SpawnResult exec = berthd.Berth({"exec", "-i", "stdin-sleeper", "wc", "-c"}, input);
  INFO(exec.err);
  CHECK(exec.status.code == 0);
  CHECK(exec.out == std::to_string(input.size()) + "\n");

  if (!BerthdFixture::DockerCli().empty()) {
    SpawnResult docker_run =
        berthd.Docker({"run", "--rm", "-i", "busybox", "sh", "-c", "wc -c; echo done"}, input);
    INFO(docker_run.err);
    CHECK(docker_run.out == std::to_string(input.size()) + "\ndone\n");
    SpawnResult docker_exec = berthd.Docker({"exec", "-i", "stdin-sleeper", "wc", "-c"}, input);
    CHECK(docker_exec.out == std::to_string(input.size()) + "\n");
  }
}

}  // namespace
}  // namespace berth::testing

#include "engined/logs/top.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/spawn.h"
#include "tests/testutil/status_testing.h"

namespace berth::engined::logs {
namespace {

using testing::ValueOrFail;

ScopedPid StartSleep() {
  SpawnOptions options;
  options.argv = {"/bin/sleep", "30"};
  ScopedPid child = ValueOrFail(Spawn(options));
  // Until exec has happened the child's cmdline is still ours.
  for (int i = 0; i < 200; ++i) {
    TopResult r = ValueOrFail(ProcTop({child.get()}, "/proc"));
    if (!r.processes.empty() && r.processes[0][7] == "/bin/sleep 30") break;
    usleep(10000);
  }
  return child;
}

TEST_CASE("default top has ps -ef's columns, from /proc", "[top]") {
  ScopedPid child = StartSleep();
  pid_t self = getpid();
  TopResult r = ValueOrFail(DockerTop({child.get(), self, 999999999}, ""));
  CHECK(r.titles ==
        std::vector<std::string>{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"});
  REQUIRE(r.processes.size() == 2);  // the pid that does not exist is left out
  const auto& me = r.processes[0].at(1) == std::to_string(self) ? r.processes[0] : r.processes[1];
  const auto& kid = r.processes[0].at(1) == std::to_string(self) ? r.processes[1] : r.processes[0];
  CHECK(kid[1] == std::to_string(child.get()));
  CHECK(kid[2] == std::to_string(self));
  CHECK(kid[7] == "/bin/sleep 30");
  CHECK(kid[6] == "00:00:00");
  CHECK(me[2] == std::to_string(getppid()));
  CHECK(kid[0] == me[0]);
  CHECK(kid[4].size() >= 4);  // "HH:MM" today
  CHECK(r.ToJson()["Processes"].size() == 2);
}

TEST_CASE("top with ps_args keeps only the container's rows", "[top]") {
  ScopedPid child = StartSleep();
  TopResult r = ValueOrFail(DockerTop({child.get()}, "aux"));
  CHECK(r.titles.front() == "USER");
  CHECK(r.titles.back() == "COMMAND");
  REQUIRE(r.processes.size() == 1);
  CHECK(r.processes[0][1] == std::to_string(child.get()));
  CHECK(r.processes[0].back() == "/bin/sleep 30");
  CHECK(r.processes[0].size() == r.titles.size());
}

TEST_CASE("top's errors are docker's", "[top]") {
  absl::StatusOr<TopResult> bad = DockerTop({getpid()}, "--no-such-option");
  REQUIRE(!bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInternal);
  CHECK(std::string(bad.status().message()).rfind("ps: ", 0) == 0);
  absl::StatusOr<TopResult> no_pid = DockerTop({getpid()}, "-o comm");
  REQUIRE(!no_pid.ok());
  CHECK(no_pid.status().message() == "Couldn't find PID field in ps output");
}

TEST_CASE("ps output parsing: overhang joined, thread rows follow their process", "[top]") {
  std::string out =
      "USER PID COMMAND\n"
      "root 1 init  --x\n"
      "root - -\n"
      "root 2 other\n"
      "root - -\n"
      "root 3 sh -c a\n";
  TopResult r = ValueOrFail(ParsePsOutput(out, {1, 3}));
  REQUIRE(r.processes.size() == 3);
  CHECK(r.processes[0] == std::vector<std::string>{"root", "1", "init --x"});
  CHECK(r.processes[1] == std::vector<std::string>{"root", "-", "-"});
  CHECK(r.processes[2] == std::vector<std::string>{"root", "3", "sh -c a"});
  CHECK(!ParsePsOutput("USER PID\nroot x\n", {1}).ok());
}

}  // namespace
}  // namespace berth::engined::logs

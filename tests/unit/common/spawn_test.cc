#include "common/spawn.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace berth {
namespace {

TEST_CASE("RunAndCapture feeds stdin and captures both streams", "[spawn]") {
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "cat; echo err >&2; exit 3"};
  absl::StatusOr<SpawnResult> r = RunAndCapture(o, "hello");
  REQUIRE(r.ok());
  CHECK(r->out == "hello");
  CHECK(r->err == "err\n");
  CHECK(r->status.code == 3);
}

TEST_CASE("an exec failure is the call's error, not a child exiting 127", "[spawn]") {
  SpawnOptions o;
  o.argv = {"/nonexistent/program"};
  absl::StatusOr<ScopedPid> p = Spawn(o);
  REQUIRE_FALSE(p.ok());
  CHECK(std::string(p.status().message()).find("/nonexistent/program") != std::string::npos);
}

TEST_CASE("the child gets only the mapped fds", "[spawn]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);  // not close-on-exec on purpose
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "ls /proc/self/fd | wc -l"};
  absl::StatusOr<SpawnResult> r = RunAndCapture(o);
  close(fds[0]);
  close(fds[1]);
  REQUIRE(r.ok());
  // 0, 1, 2 and the fd ls uses to read the directory.
  CHECK(r->out == "4\n");
}

TEST_CASE("a timeout kills the child", "[spawn]") {
  SpawnOptions o;
  o.argv = {"/bin/sleep", "10"};
  absl::StatusOr<SpawnResult> r = RunAndCapture(o, "", std::chrono::milliseconds(100));
  REQUIRE_FALSE(r.ok());
  CHECK(absl::IsDeadlineExceeded(r.status()));
}

TEST_CASE("a child that ignores stdin does not kill us with SIGPIPE", "[spawn]") {
  SpawnOptions o;
  o.argv = {"/bin/true"};
  absl::StatusOr<SpawnResult> r = RunAndCapture(o, std::string(1 << 20, 'x'));
  REQUIRE(r.ok());
  CHECK(r->status.success());
}

}  // namespace
}  // namespace berth

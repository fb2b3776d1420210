#include "shim/runtime/process_waiter.h"

#include <signal.h>

#include <catch2/catch.hpp>

namespace berth::shim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Deadline In(milliseconds d) { return std::chrono::steady_clock::now() + d; }

SpawnOptions Sh(const std::string& script) {
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", script};
  return o;
}

TEST_CASE("WaitpidWaiter returns exit codes and signals", "[process_waiter]") {
  WaitpidWaiter w;
  pid_t pid = w.Start(Sh("exit 4")).value();
  absl::StatusOr<ExitStatus> s = w.Wait(pid, In(seconds(10)));
  REQUIRE(s.ok());
  CHECK(s->code == 4);
  pid = w.Start(Sh("kill -KILL $$")).value();
  s = w.Wait(pid, In(seconds(10)));
  REQUIRE(s.ok());
  CHECK(s->signal == SIGKILL);
}

TEST_CASE("WaitpidWaiter kills and reaps at the deadline", "[process_waiter]") {
  WaitpidWaiter w;
  pid_t pid = w.Start(Sh("sleep 100")).value();
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ExitStatus> s = w.Wait(pid, In(milliseconds(100)));
  CHECK(s.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(std::chrono::steady_clock::now() - start < seconds(5));
  CHECK(kill(pid, 0) != 0);
}

TEST_CASE("WaitpidWaiter reports a program that cannot start", "[process_waiter]") {
  WaitpidWaiter w;
  SpawnOptions o;
  o.argv = {"/nonexistent/runtime"};
  CHECK_FALSE(w.Start(o).ok());
}

}  // namespace
}  // namespace berth::shim

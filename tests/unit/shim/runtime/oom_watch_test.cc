// The cgroup2 watch runs against a fake memory.events in a temp dir (inotify
// works on any file); the v1 one needs a real cgroup (integration tests),
// so only its errors are checked here.
#include "shim/runtime/oom_watch.h"

#include <fmt/format.h>
#include <poll.h>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/testutil/temp_dir.h"

namespace berth::shim {
namespace {

std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

std::string Events(int oom, int oom_kill) {
  return fmt::format("low 0\nhigh 3\nmax 12\noom {}\noom_kill {}\noom_group_kill 0\n", oom,
                     oom_kill);
}

bool Readable(int fd, int timeout_ms = 2000) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

TEST_CASE("oom_kill is read from memory.events", "[oom_watch]") {
  CHECK(ParseOomKillCount(Events(2, 5), "f").value() == 5);
  CHECK(ParseOomKillCount("low 0\n", "f").value() == 0);
  absl::StatusOr<uint64_t> bad = ParseOomKillCount("oom_kill x\n", "/c/memory.events");
  REQUIRE_FALSE(bad.ok());
  CHECK(Message(bad.status()).find("/c/memory.events") != std::string::npos);
}

TEST_CASE("v2: each oom_kill increment is one report", "[oom_watch]") {
  testing::TempDir dir;
  std::string events = dir.Sub("memory.events");
  REQUIRE(WriteFile(events, Events(1, 1)).ok());  // an OOM before we watched
  absl::StatusOr<OomWatch> w = OomWatch::ForCgroupV2(dir.path());
  REQUIRE(w.ok());
  CHECK(w->version() == 2);
  CHECK_FALSE(Readable(w->fd(), 0));

  // Other counters moving wake us but report nothing.
  REQUIRE(WriteFile(events, Events(2, 1)).ok());
  REQUIRE(Readable(w->fd()));
  CHECK(w->OnReadable().value() == false);

  REQUIRE(WriteFile(events, Events(3, 3)).ok());
  REQUIRE(Readable(w->fd()));
  CHECK(w->OnReadable().value() == true);
  CHECK(w->count() == 2);
  CHECK_FALSE(Readable(w->fd(), 0));  // drained
  CHECK(w->OnReadable().value() == false);

  // The cgroup going away ends the watch quietly.
  REQUIRE(RemoveAll(events).ok());
  REQUIRE(Readable(w->fd()));
  CHECK(w->OnReadable().value() == false);
  CHECK(w->removed());
}

TEST_CASE("v2 without a memory controller is Unavailable", "[oom_watch]") {
  testing::TempDir dir;
  absl::StatusOr<OomWatch> w = OomWatch::ForCgroupV2(dir.path());
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == absl::StatusCode::kUnavailable);
  CHECK(Message(w.status()).find(dir.path()) != std::string::npos);
  w = OomWatch::ForCgroupV2(dir.Sub("gone"));
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("v1 errors name the file", "[oom_watch]") {
  testing::TempDir dir;
  absl::StatusOr<OomWatch> w = OomWatch::ForCgroupV1(dir.path());
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == absl::StatusCode::kNotFound);
  CHECK(Message(w.status()).find(dir.Sub("memory.oom_control")) != std::string::npos);
  // Plain files accept no event registration.
  REQUIRE(WriteFile(dir.Sub("memory.oom_control"), "oom_kill_disable 0\n").ok());
  w = OomWatch::ForCgroupV1(dir.path());
  REQUIRE_FALSE(w.ok());
  CHECK(Message(w.status()).find(dir.Sub("cgroup.event_control")) != std::string::npos);
}

TEST_CASE("a process in no memory cgroup is an error naming it", "[oom_watch]") {
  absl::StatusOr<OomWatch> w = OomWatch::ForPid(999999999);
  REQUIRE_FALSE(w.ok());
  CHECK(Message(w.status()).find("999999999") != std::string::npos);
}

}  // namespace
}  // namespace berth::shim

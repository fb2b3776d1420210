#include "runtime/container/state.h"

#include <catch2/catch.hpp>

#include "tests/testutil/temp_dir.h"

namespace berth::runtime::container {
namespace {

TEST_CASE("state round-trips through JSON and the store", "[state]") {
  testing::TempDir dir;
  StateStore store(dir.Sub("root"));
  State s;
  s.id = "c1";
  s.pid = 1234;
  s.pid_start_time = 987654;
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  s.created = "2026-11-24T06:15:52Z";
  s.cgroup_paths = {{"memory", "/sys/fs/cgroup/memory/c1"}, {"", "/sys/fs/cgroup/unified/c1"}};
  s.annotations = {{"a", "b"}};
  REQUIRE(store.CreateDir("c1").ok());
  CHECK(absl::IsAlreadyExists(store.CreateDir("c1")));
  REQUIRE(store.Save(s).ok());
  absl::StatusOr<State> loaded = store.Load("c1");
  REQUIRE(loaded.ok());
  CHECK(loaded->pid == 1234);
  CHECK(loaded->pid_start_time == 987654);
  CHECK(loaded->cgroup_paths == s.cgroup_paths);
  CHECK(loaded->annotations == s.annotations);
  CHECK(*store.ListIds() == std::vector<std::string>{"c1"});
  CHECK(absl::IsNotFound(store.Load("c2").status()));
  CHECK(std::string(store.Load("c2").status().message()) == "container c2 does not exist");
  CHECK(absl::IsInvalidArgument(store.Load("../x").status()));
  REQUIRE(store.Remove("c1").ok());
  CHECK(store.ListIds()->empty());
}

}  // namespace
}  // namespace berth::runtime::container

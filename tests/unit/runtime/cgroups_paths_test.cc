#include <catch2/catch.hpp>

#include "runtime/cgroups/manager.h"
#include "runtime/cgroups/paths.h"
#include "tests/unit/runtime/cgroups_fake.h"

namespace berth::runtime::cgroups {
namespace {

using testing::Message;

const HierarchyView kMemory{"/sys/fs/cgroup/memory", "/", "/process_api/abc"};

std::string Dir(const std::string& path, const HierarchyView& h = kMemory,
                const std::string& id = "ctr") {
  absl::StatusOr<std::string> dir = ContainerDir(path, id, h);
  if (!dir.ok()) return "error: " + Message(dir.status());
  return *dir;
}

TEST_CASE("Absolute cgroupsPath goes below the hierarchy's mount", "[cgroups][paths]") {
  CHECK(Dir("/berth/ctr") == "/sys/fs/cgroup/memory/berth/ctr");
  CHECK(Dir("/a/./b//c/") == "/sys/fs/cgroup/memory/a/b/c");
  CHECK(Dir("/a/x/../b") == "/sys/fs/cgroup/memory/a/b");
}

TEST_CASE("Relative cgroupsPath goes below the caller's own cgroup", "[cgroups][paths]") {
  CHECK(Dir("berth/ctr") == "/sys/fs/cgroup/memory/process_api/abc/berth/ctr");
  CHECK(Dir("a/../b") == "/sys/fs/cgroup/memory/process_api/abc/b");
  HierarchyView root_own{"/sys/fs/cgroup/pids", "/", "/"};
  CHECK(Dir("berth/ctr", root_own) == "/sys/fs/cgroup/pids/berth/ctr");
}

TEST_CASE("Empty cgroupsPath is <own cgroup>/<container id>", "[cgroups][paths]") {
  CHECK(Dir("") == "/sys/fs/cgroup/memory/process_api/abc/ctr");
  CHECK(Dir("", kMemory, "").rfind("error: ", 0) == 0);
  CHECK(Dir("", kMemory, "a/b").rfind("error: ", 0) == 0);
  CHECK(Dir("", kMemory, "..").rfind("error: ", 0) == 0);
}

TEST_CASE("Mount roots: a hierarchy seen only in part", "[cgroups][paths]") {
  // A host that is itself a container: the memory hierarchy is mounted from
  // /docker/abc, and /proc/self/cgroup shows full hierarchy paths.
  HierarchyView nested{"/sys/fs/cgroup/memory", "/docker/abc", "/docker/abc/inner"};
  CHECK(Dir("", nested) == "/sys/fs/cgroup/memory/inner/ctr");
  CHECK(Dir("sub", nested) == "/sys/fs/cgroup/memory/inner/sub");
  // Absolute paths are as seen through the mount; a full hierarchy path
  // under the mount root is accepted too.
  CHECK(Dir("/berth/x", nested) == "/sys/fs/cgroup/memory/berth/x");
  CHECK(Dir("/docker/abc/berth/x", nested) == "/sys/fs/cgroup/memory/berth/x");
  // The own cgroup outside the mount root (cgroup namespace): used as is.
  HierarchyView ns{"/sys/fs/cgroup/memory", "/..", "/"};
  CHECK(Dir("", ns) == "/sys/fs/cgroup/memory/ctr");
}

TEST_CASE("cgroupsPath may not escape with ..", "[cgroups][paths]") {
  CHECK(Dir("/../etc").rfind("error: ", 0) == 0);
  CHECK(Dir("/a/../../b").rfind("error: ", 0) == 0);
  CHECK(Dir("../sibling").rfind("error: ", 0) == 0);
  CHECK(Dir("a/../../x").rfind("error: ", 0) == 0);
  CHECK(Dir("../sibling").find("climbs out") != std::string::npos);
}

TEST_CASE("cgroupsPath may not be the root or the own cgroup", "[cgroups][paths]") {
  CHECK(Dir("/").rfind("error: ", 0) == 0);
  CHECK(Dir("/a/..").rfind("error: ", 0) == 0);
  CHECK(Dir(".").rfind("error: ", 0) == 0);
  HierarchyView nested{"/sys/fs/cgroup/memory", "/docker/abc", "/docker/abc"};
  CHECK(Dir("/docker/abc", nested).rfind("error: ", 0) == 0);
}

TEST_CASE("systemd slice:prefix:name parsing", "[cgroups][paths][systemd]") {
  absl::StatusOr<SystemdCgroupPath> path = ParseSystemdCgroupPath("machine.slice:berth:abc");
  BERTH_REQUIRE_OK(path.status());
  CHECK(path->slice == "machine.slice");
  CHECK(path->prefix == "berth");
  CHECK(path->name == "abc");
  path = ParseSystemdCgroupPath(":berth:abc");
  BERTH_REQUIRE_OK(path.status());
  CHECK(path->slice == "system.slice");
  for (const char* bad : {"abc", "a:b", "system.slice:berth:", "notaslice:p:n", "a.slice:p/x:n",
                          "a.slice:p:n:extra"}) {
    INFO(bad);
    absl::StatusOr<SystemdCgroupPath> parsed = ParseSystemdCgroupPath(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(parsed.status()).find("slice:prefix:name") != std::string::npos);
  }
}

TEST_CASE("systemd driver errors say why", "[cgroups][paths][systemd]") {
  absl::Status no_systemd = SystemdDriverError("system.slice:berth:x", {"process_api", false});
  CHECK(no_systemd.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(no_systemd) ==
        "systemd cgroup driver requested (--systemd-cgroup) but systemd is not running as PID 1 "
        "(PID 1 is \"process_api\"); omit --systemd-cgroup to use the cgroupfs driver");

  absl::Status with_systemd = SystemdDriverError("system.slice:berth:x", {"systemd", true});
  CHECK(with_systemd.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(with_systemd).find("does not support it yet") != std::string::npos);
  CHECK(Message(with_systemd).find("omit --systemd-cgroup") != std::string::npos);

  absl::Status bad_path = SystemdDriverError("/not/a/slice", {"systemd", true});
  CHECK(bad_path.code() == absl::StatusCode::kInvalidArgument);

  CHECK(SystemdDriverError("", {"init", false}).code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("NewManager with --systemd-cgroup fails on this host", "[cgroups][paths][systemd]") {
  Layout layout;
  layout.mode = Mode::kUnified;
  layout.unified_mount = "/sys/fs/cgroup";
  absl::StatusOr<std::unique_ptr<Manager>> manager = NewManager(
      layout, {.cgroups_path = "system.slice:berth:x", .container_id = "x", .systemd = true});
  REQUIRE_FALSE(manager.ok());
  CHECK(manager.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(manager.status()).find("--systemd-cgroup") != std::string::npos);
}

}  // namespace
}  // namespace berth::runtime::cgroups

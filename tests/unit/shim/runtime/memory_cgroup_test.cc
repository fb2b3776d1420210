#include "shim/runtime/memory_cgroup.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/strings.h"

namespace berth::shim {
namespace {

std::string Message(const absl::Status& s) { return std::string(ToStd(s.message())); }

// A hybrid host: v1 controllers, cgroup2 at /sys/fs/cgroup/unified.
constexpr const char* kHybridMounts =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid shared:9 - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

constexpr const char* kV2Mounts =
    "22 1 259:1 / / rw,relatime - ext4 /dev/root rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

TEST_CASE("/proc/PID/cgroup lines parse", "[memory_cgroup]") {
  std::vector<ProcCgroupEntry> e =
      ParseProcCgroup("12:cpu,cpuacct:/a\n4:memory:/b/c\n1:name=systemd:/d\n0::/e:f\nnoise\n");
  REQUIRE(e.size() == 4);
  CHECK(e[0].hierarchy_id == 12);
  CHECK(e[0].controllers == std::vector<std::string>{"cpu", "cpuacct"});
  CHECK(e[1].controllers == std::vector<std::string>{"memory"});
  CHECK(e[1].path == "/b/c");
  CHECK(e[3].hierarchy_id == 0);
  CHECK(e[3].controllers.empty());
  CHECK(e[3].path == "/e:f");  // a colon in a path is kept
}

TEST_CASE("mountinfo lines parse, with optional fields and escapes", "[memory_cgroup]") {
  std::vector<MountInfoEntry> m = ParseMountInfo(
      "35 31 0:32 /sub /sys/fs/cgroup/my\\040memory rw shared:9 master:2 - cgroup cgroup "
      "rw,memory\nshort line\n");
  REQUIRE(m.size() == 1);
  CHECK(m[0].root == "/sub");
  CHECK(m[0].mount_point == "/sys/fs/cgroup/my memory");
  CHECK(m[0].fs_type == "cgroup");
  CHECK(m[0].super_options == std::vector<std::string>{"rw", "memory"});
}

TEST_CASE("a v1 memory controller wins on hybrid hosts", "[memory_cgroup]") {
  absl::StatusOr<MemoryCgroup> c =
      FindMemoryCgroup("4:memory:/berth-1\n1:name=systemd:/\n0::/\n", kHybridMounts, "pid 1");
  REQUIRE(c.ok());
  CHECK(c->version == 1);
  CHECK(c->dir == "/sys/fs/cgroup/memory/berth-1");
}

TEST_CASE("cgroup2 when memory is not on v1", "[memory_cgroup]") {
  absl::StatusOr<MemoryCgroup> c = FindMemoryCgroup("0::/system.slice/x\n", kV2Mounts, "pid 1");
  REQUIRE(c.ok());
  CHECK(c->version == 2);
  CHECK(c->dir == "/sys/fs/cgroup/system.slice/x");
  // Hybrid without a v1 memory hierarchy: the unified one (likely without
  // a memory controller, which OomWatch reports).
  c = FindMemoryCgroup("1:name=systemd:/\n0::/x\n", kHybridMounts, "pid 1");
  REQUIRE(c.ok());
  CHECK(c->dir == "/sys/fs/cgroup/unified/x");
}

TEST_CASE("a mount of part of the hierarchy (cgroup namespace, bind)", "[memory_cgroup]") {
  std::string mounts = "30 22 0:26 /kubepods /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  CHECK(FindMemoryCgroup("0::/kubepods/pod1/c\n", mounts, "p").value().dir ==
        "/sys/fs/cgroup/pod1/c");
  CHECK(FindMemoryCgroup("0::/kubepods\n", mounts, "p").value().dir == "/sys/fs/cgroup");
  // /kubepods-other is not below /kubepods.
  absl::StatusOr<MemoryCgroup> c = FindMemoryCgroup("0::/kubepods-other/c\n", mounts, "pid 7");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == absl::StatusCode::kNotFound);
  CHECK(Message(c.status()).find("pid 7") != std::string::npos);
}

TEST_CASE("no memory cgroup is NotFound", "[memory_cgroup]") {
  absl::StatusOr<MemoryCgroup> c =
      FindMemoryCgroup("3:cpu:/x\n", "35 31 0:32 / /c rw - cgroup cgroup rw,cpu\n", "pid 3");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == absl::StatusCode::kNotFound);
  c = FindMemoryCgroup("4:memory:/x\n", kV2Mounts, "pid 3");
  REQUIRE_FALSE(c.ok());
  CHECK(Message(c.status()).find("not mounted") != std::string::npos);
}

TEST_CASE("our own memory cgroup resolves to a directory that exists", "[memory_cgroup]") {
  absl::StatusOr<MemoryCgroup> c = MemoryCgroupOf(getpid());
  if (!c.ok()) {
    INFO(Message(c.status()));
    CHECK(c.status().code() == absl::StatusCode::kNotFound);
    return;
  }
  CHECK(access(c->dir.c_str(), F_OK) == 0);
}

}  // namespace
}  // namespace berth::shim

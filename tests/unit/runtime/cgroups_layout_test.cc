#include <catch2/catch.hpp>

#include "runtime/cgroups/layout.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/runtime/cgroups_fake.h"

namespace berth::runtime::cgroups {
namespace {

using testing::Put;

// This development host: a tmpfs at /sys/fs/cgroup with separately mounted
// v1 controllers, a named systemd hierarchy and cgroup2 at .../unified,
// plus unrelated mounts of a test container.
constexpr char kHybridMountinfo[] =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "43 27 254:0 /tmp/ocitest1 /tmp/ocitest1 rw,relatime - ext4 /dev/vda rw,discard\n"
    "49 43 0:22 / /tmp/ocitest1/sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n";

constexpr char kHybridProcCgroup[] =
    "9:name=systemd:/\n"
    "8:pids:/\n"
    "7:blkio:/\n"
    "6:freezer:/\n"
    "5:devices:/\n"
    "4:memory:/process_api/1762eee8\n"
    "3:cpuset:/\n"
    "2:cpuacct:/\n"
    "1:cpu:/\n"
    "0::/\n";

// A systemd host with the unified hierarchy only.
constexpr char kUnifiedMountinfo[] =
    "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw,seclabel\n"
    "33 25 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,seclabel,nsdelegate,memory_recursiveprot\n"
    "30 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/root rw,seclabel\n";

// A CentOS 7 style host: co-mounted controllers, no cgroup2.
constexpr char kLegacyMountinfo[] =
    "24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
    "25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup "
    "cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n"
    "28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup "
    "cgroup rw,cpuacct,cpu\n"
    "29 24 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
    "cgroup rw,memory\n"
    "30 24 0:26 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:12 - "
    "cgroup cgroup rw,net_prio,net_cls\n"
    "31 24 0:27 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup "
    "rw,pids\n";

constexpr char kLegacyProcCgroup[] =
    "11:memory:/user.slice\n"
    "5:pids:/user.slice/user-1000.slice\n"
    "4:net_prio,net_cls:/\n"
    "3:cpuacct,cpu:/user.slice\n"
    "1:name=systemd:/user.slice/user-1000.slice/session-1.scope\n";

TEST_CASE("ParseLayout reads this host's hybrid layout", "[cgroups][layout]") {
  absl::StatusOr<Layout> layout = ParseLayout(kHybridMountinfo, kHybridProcCgroup, "hugetlb\n");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->mode == Mode::kHybrid);
  CHECK(layout->v1_mounts.size() == 9);
  CHECK(layout->v1_mounts.at("cpu") == "/sys/fs/cgroup/cpu");
  CHECK(layout->v1_mounts.at("cpuacct") == "/sys/fs/cgroup/cpuacct");
  CHECK(layout->v1_mounts.at("name=systemd") == "/sys/fs/cgroup/systemd");
  CHECK(layout->v1_roots.at("memory") == "/");
  CHECK(layout->V1Mount("net_cls").empty());
  CHECK(layout->unified_mount == "/sys/fs/cgroup/unified");
  CHECK(layout->unified_root == "/");
  CHECK(layout->unified_controllers == std::vector<std::string>{"hugetlb"});
  CHECK(layout->HasUnifiedController("hugetlb"));
  CHECK_FALSE(layout->HasUnifiedController("memory"));
  CHECK(layout->own_cgroups.at("memory") == "/process_api/1762eee8");
  CHECK(layout->own_cgroups.at("") == "/");
  CHECK(layout->own_cgroups.at("name=systemd") == "/");
}

TEST_CASE("ParseLayout reads a pure cgroup v2 host", "[cgroups][layout]") {
  absl::StatusOr<Layout> layout =
      ParseLayout(kUnifiedMountinfo, "0::/user.slice/user-1000.slice/session-3.scope\n",
                  "cpuset cpu io memory hugetlb pids rdma misc\n");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->mode == Mode::kUnified);
  CHECK(layout->v1_mounts.empty());
  CHECK(layout->unified_mount == "/sys/fs/cgroup");
  CHECK(layout->unified_controllers.size() == 8);
  CHECK(layout->own_cgroups.at("") == "/user.slice/user-1000.slice/session-3.scope");
}

TEST_CASE("ParseLayout reads a legacy host with co-mounted controllers", "[cgroups][layout]") {
  absl::StatusOr<Layout> layout = ParseLayout(kLegacyMountinfo, kLegacyProcCgroup, "");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->mode == Mode::kLegacy);
  CHECK(layout->unified_mount.empty());
  CHECK(layout->v1_mounts.at("cpu") == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(layout->v1_mounts.at("cpuacct") == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(layout->v1_mounts.at("net_cls") == "/sys/fs/cgroup/net_cls,net_prio");
  CHECK(layout->v1_mounts.at("name=systemd") == "/sys/fs/cgroup/systemd");
  // Options that are not controllers are not taken for ones.
  CHECK(layout->v1_mounts.count("xattr") == 0);
  CHECK(layout->v1_mounts.count("rw") == 0);
  CHECK(layout->own_cgroups.at("cpu") == "/user.slice");
  CHECK(layout->own_cgroups.at("net_prio") == "/");
}

TEST_CASE("ParseLayout: cgroup2 at /sys/fs/cgroup wins over stray v1 mounts", "[cgroups][layout]") {
  std::string mountinfo = std::string(kUnifiedMountinfo) +
                          "40 33 0:40 / /opt/legacy/memory rw - cgroup cgroup rw,memory\n";
  absl::StatusOr<Layout> layout = ParseLayout(mountinfo, "0::/\n", "memory");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->mode == Mode::kUnified);
}

TEST_CASE("ParseLayout: only cgroup2, mounted elsewhere, is unified", "[cgroups][layout]") {
  absl::StatusOr<Layout> layout =
      ParseLayout("33 25 0:28 / /run/cg2 rw - cgroup2 cgroup2 rw\n", "0::/\n", "memory pids");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->mode == Mode::kUnified);
  CHECK(layout->unified_mount == "/run/cg2");
}

TEST_CASE("ParseLayout prefers /sys/fs/cgroup over copies elsewhere", "[cgroups][layout]") {
  std::string mountinfo =
      "60 43 0:32 / /tmp/container/sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "61 43 0:38 / /tmp/container/sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n" +
      std::string(kHybridMountinfo);
  absl::StatusOr<Layout> layout = ParseLayout(mountinfo, kHybridProcCgroup, "hugetlb");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->v1_mounts.at("memory") == "/sys/fs/cgroup/memory");
  CHECK(layout->unified_mount == "/sys/fs/cgroup/unified");
}

TEST_CASE("ParseLayout keeps mount roots and unescapes paths", "[cgroups][layout]") {
  std::string mountinfo =
      "35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "36 31 0:33 /docker/abc /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids\n";
  absl::StatusOr<Layout> layout =
      ParseLayout(mountinfo, "4:memory:/docker/abc\n3:pids:/docker/abc\n", "");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->v1_roots.at("memory") == "/docker/abc");
  CHECK(layout->v1_mounts.at("pids") == "/sys/fs/cgroup/my pids");
}

TEST_CASE("ParseLayout: optional fields before the separator", "[cgroups][layout]") {
  absl::StatusOr<Layout> layout = ParseLayout(
      "35 31 0:32 / /sys/fs/cgroup/memory rw shared:11 master:3 - cgroup cgroup rw,memory\n",
      "4:memory:/\n", "");
  BERTH_REQUIRE_OK(layout.status());
  CHECK(layout->v1_mounts.at("memory") == "/sys/fs/cgroup/memory");
}

TEST_CASE("ParseLayout fails without any cgroup mount", "[cgroups][layout]") {
  absl::StatusOr<Layout> layout =
      ParseLayout("22 27 0:21 / /proc rw,relatime - proc proc rw\n", "0::/\n", "");
  REQUIRE_FALSE(layout.ok());
  CHECK(layout.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("ParseLayout rejects a malformed /proc/self/cgroup", "[cgroups][layout]") {
  CHECK_FALSE(ParseLayout(kHybridMountinfo, "garbage\n", "").ok());
}

TEST_CASE("DetectLayout reads the live host", "[cgroups][layout]") {
  absl::StatusOr<Layout> layout = DetectLayout();
  BERTH_REQUIRE_OK(layout.status());
  CHECK((!layout->v1_mounts.empty() || !layout->unified_mount.empty()));
}

TEST_CASE("Huge page size names follow the kernel's file names", "[cgroups][layout]") {
  CHECK(HugePageSizeName(2048) == "2MB");
  CHECK(HugePageSizeName(1048576) == "1GB");
  CHECK(HugePageSizeName(64) == "64KB");
  CHECK(HugePageSizeName(32768) == "32MB");
  CHECK(HugePageSizeName(16777216) == "16GB");

  berth::testing::TempDir tmp;
  Put(tmp.Sub("hugepages-1048576kB"), "nr_hugepages", "0");
  Put(tmp.Sub("hugepages-2048kB"), "nr_hugepages", "0");
  Put(tmp.Sub("unrelated"), "x", "");
  CHECK(ReadHugePageSizes(tmp.path()) == std::vector<std::string>{"2MB", "1GB"});
  CHECK(ReadHugePageSizes(tmp.Sub("missing")).empty());
}

}  // namespace
}  // namespace berth::runtime::cgroups

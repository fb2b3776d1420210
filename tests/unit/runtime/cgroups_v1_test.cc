// The v1 manager and controller writers against fake cgroup files.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <limits>

#include "common/strings.h"
#include "runtime/cgroups/manager.h"
#include "runtime/cgroups/v1_resources.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/runtime/cgroups_fake.h"

namespace berth::runtime::cgroups {
namespace {

using testing::Get;
using testing::Message;
using testing::Put;
using testing::WriteLog;
using Writes = std::vector<std::string>;

constexpr int64_t kMiB = 1024 * 1024;

// A legacy layout under `root`: each group ("cpu,cpuacct") is one mount.
Layout V1Layout(const std::string& root, const std::vector<std::string>& groups) {
  Layout layout;
  layout.mode = Mode::kLegacy;
  for (const std::string& group : groups) {
    for (const std::string& controller : SplitToStrings(group, ',')) {
      layout.v1_mounts[controller] = JoinPath(root, group);
      layout.v1_roots[controller] = "/";
      layout.own_cgroups[controller] = "/";
    }
  }
  return layout;
}

std::unique_ptr<Manager> MakeManager(const Layout& layout, const std::string& path = "/ctr") {
  absl::StatusOr<std::unique_ptr<Manager>> manager =
      NewManager(layout, {.cgroups_path = path, .container_id = "ctr"});
  BERTH_REQUIRE_OK(manager.status());
  return std::move(*manager);
}

TEST_CASE("v1: one directory per hierarchy, co-mounted controllers share it", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  Layout layout = V1Layout(tmp.path(), {"cpu,cpuacct", "memory", "pids", "name=systemd"});
  std::unique_ptr<Manager> manager = MakeManager(layout);
  std::map<std::string, std::string> paths = manager->Paths();
  CHECK(paths.size() == 5);
  CHECK(paths.at("cpu") == tmp.Sub("cpu,cpuacct/ctr"));
  CHECK(paths.at("cpuacct") == tmp.Sub("cpu,cpuacct/ctr"));
  CHECK(paths.at("memory") == tmp.Sub("memory/ctr"));
  CHECK(paths.at("name=systemd") == tmp.Sub("name=systemd/ctr"));  // joined, like runc
  CHECK(manager->mode() == Mode::kLegacy);
  CHECK(manager->OomEventSource() == tmp.Sub("memory/ctr/memory.oom_control"));

  BERTH_REQUIRE_OK(manager->Create());
  for (const char* dir : {"cpu,cpuacct/ctr", "memory/ctr", "pids/ctr"}) {
    Put(tmp.Sub(dir), "cgroup.procs");
  }
  // The systemd hierarchy's directory has no cgroup.procs here: joining it
  // is best-effort and only warned about.
  WriteLog log(tmp.path() + "/");
  BERTH_REQUIRE_OK(manager->AddProcess(4242));
  CHECK(log.writes() ==
        Writes{"cpu,cpuacct/ctr/cgroup.procs <- 4242", "memory/ctr/cgroup.procs <- 4242",
               "name=systemd/ctr/cgroup.procs <- 4242", "pids/ctr/cgroup.procs <- 4242"});
  // A controller's hierarchy is not best-effort.
  REQUIRE(::unlink(tmp.Sub("pids/ctr/cgroup.procs").c_str()) == 0);
  CHECK_FALSE(manager->AddProcess(4242).ok());
}

TEST_CASE("v1: LoadManager rebuilds from recorded paths", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  Layout layout = V1Layout(tmp.path(), {"memory", "pids"});
  std::unique_ptr<Manager> created = MakeManager(layout);
  absl::StatusOr<std::unique_ptr<Manager>> loaded = LoadManager(layout, created->Paths());
  BERTH_REQUIRE_OK(loaded.status());
  CHECK((*loaded)->Paths() == created->Paths());
  CHECK((*loaded)->mode() == Mode::kLegacy);
  CHECK_FALSE(LoadManager(layout, {}).ok());
  CHECK_FALSE(LoadManager(layout, {{"memory", "relative/x"}}).ok());
  CHECK_FALSE(LoadManager(layout, {{"", "/sys/fs/cgroup/x"}}).ok());  // a v2 record
}

TEST_CASE("v1: Create initialises empty cpuset cgroups from the nearest ancestor",
          "[cgroups][v1][cpuset]") {
  berth::testing::TempDir tmp;
  Layout layout = V1Layout(tmp.path(), {"cpuset"});
  Put(tmp.Sub("cpuset"), "cpuset.cpus", "0-3\n");
  Put(tmp.Sub("cpuset"), "cpuset.mems", "0\n");
  Put(tmp.Sub("cpuset/pod"), "cpuset.cpus", "1-2\n");  // a parent with its own set
  Put(tmp.Sub("cpuset/pod"), "cpuset.mems", "\n");     // ... and none yet
  Put(tmp.Sub("cpuset/pod/ctr"), "cpuset.cpus", "");
  Put(tmp.Sub("cpuset/pod/ctr"), "cpuset.mems", "");
  std::unique_ptr<Manager> manager = MakeManager(layout, "/pod/ctr");
  BERTH_REQUIRE_OK(manager->Create());
  CHECK(Get(tmp.Sub("cpuset/pod"), "cpuset.mems") == "0");
  CHECK(Get(tmp.Sub("cpuset/pod"), "cpuset.cpus") == "1-2\n");  // untouched
  CHECK(Get(tmp.Sub("cpuset/pod/ctr"), "cpuset.cpus") == "1-2");
  CHECK(Get(tmp.Sub("cpuset/pod/ctr"), "cpuset.mems") == "0");
}

TEST_CASE("v1: Create rolls back the directories it made", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  Layout layout = V1Layout(tmp.path(), {"cpuset", "memory"});
  Put(tmp.Sub("memory"), "x");
  // The cpuset root has no cpuset.cpus, so initialising the new cgroup fails.
  Put(tmp.Sub("cpuset"), "unrelated");
  std::unique_ptr<Manager> manager = MakeManager(layout, "/a/b");
  CHECK_FALSE(manager->Create().ok());
  CHECK_FALSE(PathExists(tmp.Sub("memory/a")));
  CHECK_FALSE(PathExists(tmp.Sub("cpuset/a")));
}

TEST_CASE("v1 memory: limit before memsw when memsw shrinks", "[cgroups][v1][memory]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "memory.limit_in_bytes", std::to_string(100 * kMiB) + "\n");
  Put(dir, "memory.memsw.limit_in_bytes", std::to_string(200 * kMiB) + "\n");
  WriteLog log;
  spec::Memory m;
  m.limit = 50 * kMiB;
  m.swap = 80 * kMiB;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() ==
        Writes{"memory.limit_in_bytes <- 52428800", "memory.memsw.limit_in_bytes <- 83886080"});
}

TEST_CASE("v1 memory: memsw before limit when memsw grows", "[cgroups][v1][memory]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "memory.limit_in_bytes", std::to_string(100 * kMiB));
  Put(dir, "memory.memsw.limit_in_bytes", std::to_string(200 * kMiB));
  WriteLog log;
  spec::Memory m;
  m.limit = 300 * kMiB;
  m.swap = 400 * kMiB;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() ==
        Writes{"memory.memsw.limit_in_bytes <- 419430400", "memory.limit_in_bytes <- 314572800"});
  // The kernel's "unlimited" reads back as a huge number; growing from it
  // still writes the limit first.
  log.Clear();
  Put(dir, "memory.limit_in_bytes", "9223372036854771712\n");
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() ==
        Writes{"memory.limit_in_bytes <- 314572800", "memory.memsw.limit_in_bytes <- 419430400"});
}

TEST_CASE("v1 memory: -1 is unlimited for both", "[cgroups][v1][memory]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "memory.limit_in_bytes", "104857600");
  Put(dir, "memory.memsw.limit_in_bytes", "104857600");
  WriteLog log;
  spec::Memory m;
  m.limit = -1;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() == Writes{"memory.memsw.limit_in_bytes <- -1", "memory.limit_in_bytes <- -1"});
  log.Clear();
  m.limit = 64 * kMiB;
  m.swap = -1;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() ==
        Writes{"memory.memsw.limit_in_bytes <- -1", "memory.limit_in_bytes <- 67108864"});
}

TEST_CASE("v1 memory: swap without memsw accounting", "[cgroups][v1][memory]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "memory.limit_in_bytes", "0");
  spec::Memory m;
  m.limit = 100 * kMiB;
  m.swap = 200 * kMiB;
  absl::Status status = ApplyV1Memory(dir, m);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(status).find("swapaccount=1") != std::string::npos);
  // Asking for no swap beyond the limit, or unlimited swap, needs no memsw.
  WriteLog log;
  m.swap = 100 * kMiB;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  m.swap = -1;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  m.limit = -1;
  m.swap.reset();
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() == Writes{"memory.limit_in_bytes <- 104857600",
                               "memory.limit_in_bytes <- 104857600",
                               "memory.limit_in_bytes <- -1"});
}

TEST_CASE("v1 memory: invalid values", "[cgroups][v1][memory]") {
  berth::testing::TempDir tmp;
  spec::Memory m;
  m.limit = 200 * kMiB;
  m.swap = 100 * kMiB;
  CHECK(ApplyV1Memory(tmp.path(), m).code() == absl::StatusCode::kInvalidArgument);
  m = {};
  m.limit = -2;
  CHECK(ApplyV1Memory(tmp.path(), m).code() == absl::StatusCode::kInvalidArgument);
  m = {};
  m.swappiness = 101;
  CHECK(ApplyV1Memory(tmp.path(), m).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("v1 memory: reservation, kmem, swappiness, OOM killer, hierarchy",
          "[cgroups][v1][memory]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  for (const char* file : {"memory.soft_limit_in_bytes", "memory.kmem.limit_in_bytes",
                           "memory.swappiness", "memory.oom_control", "memory.use_hierarchy"}) {
    Put(dir, file, "");
  }
  WriteLog log;
  spec::Memory m;
  m.reservation = 32 * kMiB;
  m.kernel = 16 * kMiB;
  m.kernel_tcp = 8 * kMiB;  // no memory.kmem.tcp.limit_in_bytes here: skipped
  m.swappiness = 10;
  m.disable_oom_killer = true;
  m.use_hierarchy = true;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() == Writes{"memory.soft_limit_in_bytes <- 33554432",
                               "memory.kmem.limit_in_bytes <- 16777216", "memory.swappiness <- 10",
                               "memory.oom_control <- 1", "memory.use_hierarchy <- 1"});
  log.Clear();
  m = {};
  m.swappiness = std::numeric_limits<uint64_t>::max();  // -1: leave alone
  m.disable_oom_killer = false;
  BERTH_REQUIRE_OK(ApplyV1Memory(dir, m));
  CHECK(log.writes() == Writes{"memory.oom_control <- 0"});
}

TEST_CASE("v1 cpu: shares, CFS, burst, idle and realtime", "[cgroups][v1][cpu]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  for (const char* file :
       {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.cfs_burst_us", "cpu.idle",
        "cpu.rt_period_us", "cpu.rt_runtime_us"}) {
    Put(dir, file, "");
  }
  WriteLog log;
  spec::Cpu cpu;
  cpu.shares = 512;
  cpu.quota = 50000;
  cpu.period = 100000;
  cpu.burst = 10000;
  cpu.idle = 0;
  cpu.realtime_period = 1000000;
  cpu.realtime_runtime = 950000;
  BERTH_REQUIRE_OK(ApplyV1Cpu(dir, cpu));
  CHECK(log.writes() == Writes{"cpu.shares <- 512", "cpu.cfs_period_us <- 100000",
                               "cpu.cfs_burst_us <- 10000", "cpu.cfs_quota_us <- 50000",
                               "cpu.idle <- 0", "cpu.rt_period_us <- 1000000",
                               "cpu.rt_runtime_us <- 950000"});
  log.Clear();
  spec::Cpu unlimited;
  unlimited.quota = -1;
  unlimited.shares = 0;  // 0: leave alone
  BERTH_REQUIRE_OK(ApplyV1Cpu(dir, unlimited));
  CHECK(log.writes() == Writes{"cpu.cfs_quota_us <- -1"});
  spec::Cpu bad;
  bad.quota = -5;
  CHECK(ApplyV1Cpu(dir, bad).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("v1 cpu: burst on a kernel without cfs_burst_us", "[cgroups][v1][cpu]") {
  berth::testing::TempDir tmp;
  spec::Cpu cpu;
  cpu.burst = 1000;
  absl::Status status = ApplyV1Cpu(tmp.path(), cpu);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  cpu.burst = 0;
  BERTH_REQUIRE_OK(ApplyV1Cpu(tmp.path(), cpu));
}

TEST_CASE("v1 cpuset and pids", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "cpuset.cpus", "");
  Put(dir, "cpuset.mems", "");
  Put(dir, "pids.max", "");
  WriteLog log;
  spec::Cpu cpu;
  cpu.cpus = "0-1";
  cpu.mems = "0";
  BERTH_REQUIRE_OK(ApplyV1Cpuset(dir, cpu));
  BERTH_REQUIRE_OK(ApplyV1Pids(dir, spec::Pids{100}));
  BERTH_REQUIRE_OK(ApplyV1Pids(dir, spec::Pids{0}));
  BERTH_REQUIRE_OK(ApplyV1Pids(dir, spec::Pids{-1}));
  CHECK(log.writes() == Writes{"cpuset.cpus <- 0-1", "cpuset.mems <- 0", "pids.max <- 100",
                               "pids.max <- max", "pids.max <- max"});
}

TEST_CASE("v1 write errors name the file and the value", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  REQUIRE(MkdirAll(tmp.Sub("pids.max")).ok());  // not writable as a file
  absl::Status status = ApplyV1Pids(dir, spec::Pids{100});
  CHECK(Message(status) == "write \"100\" to " + dir + "/pids.max: is a directory");
  status = ApplyV1Pids(tmp.Sub("missing"), spec::Pids{5});
  CHECK(Message(status) ==
        "write \"5\" to " + tmp.Sub("missing") + "/pids.max: no such file or directory");
}

TEST_CASE("v1 blkio: weight file by scheduler, devices and throttles", "[cgroups][v1][blkio]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  spec::BlockIo io;
  io.weight = 300;
  spec::WeightDevice wd;
  wd.major = 8;
  wd.minor = 0;
  wd.weight = 500;
  io.weight_device = {wd};
  io.throttle_read_bps_device = {{{8, 0}, 1048576}};
  io.throttle_write_bps_device = {{{8, 0}, 2097152}};
  io.throttle_read_iops_device = {{{8, 16}, 100}};
  io.throttle_write_iops_device = {{{8, 16}, 200}};

  CHECK(ApplyV1BlockIo(dir, io).code() == absl::StatusCode::kFailedPrecondition);

  Put(dir, "blkio.bfq.weight");
  Put(dir, "blkio.bfq.weight_device");
  for (const char* op : {"read_bps", "write_bps", "read_iops", "write_iops"}) {
    Put(dir, std::string("blkio.throttle.") + op + "_device");
  }
  WriteLog log;
  BERTH_REQUIRE_OK(ApplyV1BlockIo(dir, io));
  CHECK(log.writes() == Writes{"blkio.bfq.weight <- 300", "blkio.bfq.weight_device <- 8:0 500",
                               "blkio.throttle.read_bps_device <- 8:0 1048576",
                               "blkio.throttle.write_bps_device <- 8:0 2097152",
                               "blkio.throttle.read_iops_device <- 8:16 100",
                               "blkio.throttle.write_iops_device <- 8:16 200"});

  log.Clear();
  Put(dir, "blkio.weight");  // CFQ wins when present
  Put(dir, "blkio.weight_device");
  Put(dir, "blkio.leaf_weight");
  spec::BlockIo cfq;
  cfq.weight = 100;
  cfq.leaf_weight = 200;
  cfq.weight_device = {wd};
  BERTH_REQUIRE_OK(ApplyV1BlockIo(dir, cfq));
  CHECK(log.writes() == Writes{"blkio.weight <- 100", "blkio.weight_device <- 8:0 500",
                               "blkio.leaf_weight <- 200"});
}

TEST_CASE("v1 hugetlb: page size file names and rsvd", "[cgroups][v1][hugetlb]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "hugetlb.2MB.limit_in_bytes");
  Put(dir, "hugetlb.2MB.rsvd.limit_in_bytes");
  Put(dir, "hugetlb.1GB.limit_in_bytes");
  WriteLog log;
  std::vector<spec::HugepageLimit> limits = {{"2MB", 4 * 2 * kMiB}, {"1GB", 1 << 30}};
  BERTH_REQUIRE_OK(ApplyV1Hugetlb(dir, limits, {"2MB", "1GB"}));
  CHECK(log.writes() == Writes{"hugetlb.2MB.limit_in_bytes <- 8388608",
                               "hugetlb.2MB.rsvd.limit_in_bytes <- 8388608",
                               "hugetlb.1GB.limit_in_bytes <- 1073741824"});
  for (const char* bad : {"2M", "MB", "2mb", "2 MB", ""}) {
    INFO(bad);
    CHECK(ApplyV1Hugetlb(dir, {{bad, 1}}, {}).code() == absl::StatusCode::kInvalidArgument);
  }
  absl::Status unsupported = ApplyV1Hugetlb(dir, {{"16GB", 1}}, {"2MB", "1GB"});
  CHECK(Message(unsupported).find("supported: 2MB, 1GB") != std::string::npos);
}

TEST_CASE("v1 devices: rules in order as allow / deny lines", "[cgroups][v1][devices]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "devices.allow");
  Put(dir, "devices.deny");
  std::vector<spec::DeviceRule> rules(4);
  rules[0].allow = false;
  rules[0].access = "rwm";  // "a *:* rwm" deny: resets the list
  rules[1].allow = true;
  rules[1].type = "c";
  rules[1].major = 1;
  rules[1].minor = 3;
  rules[1].access = "mwr";
  rules[2].allow = true;
  rules[2].type = "c";
  rules[2].major = 136;
  rules[2].access = "rw";
  rules[3].allow = false;
  rules[3].type = "b";
  rules[3].major = 8;
  rules[3].minor = 0;
  rules[3].access = "w";
  WriteLog log;
  BERTH_REQUIRE_OK(ApplyV1Devices(dir, rules));
  CHECK(log.writes() == Writes{"devices.deny <- a *:* rwm", "devices.allow <- c 1:3 rwm",
                               "devices.allow <- c 136:* rw", "devices.deny <- b 8:0 w"});
  rules[1].type = "x";
  CHECK(ApplyV1Devices(dir, rules).code() == absl::StatusCode::kInvalidArgument);
  rules[1].type = "c";
  rules[1].access = "rwx";
  CHECK(ApplyV1Devices(dir, rules).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("v1 network and rdma", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  Put(dir, "net_cls.classid");
  Put(dir, "net_prio.ifpriomap");
  Put(dir, "rdma.max");
  WriteLog log;
  BERTH_REQUIRE_OK(ApplyV1NetCls(dir, 0x100001));
  BERTH_REQUIRE_OK(ApplyV1NetPrio(dir, {{"eth0", 5}, {"lo", 1}}));
  std::map<std::string, spec::Rdma> rdma;
  rdma["mlx5_0"].hca_handles = 3;
  rdma["mlx5_0"].hca_objects = 1000;
  rdma["mlx4_0"].hca_objects = 7;
  rdma["none"] = {};
  BERTH_REQUIRE_OK(ApplyV1Rdma(dir, rdma));
  CHECK(log.writes() == Writes{"net_cls.classid <- 1048577", "net_prio.ifpriomap <- eth0 5",
                               "net_prio.ifpriomap <- lo 1", "rdma.max <- mlx4_0 hca_object=7",
                               "rdma.max <- mlx5_0 hca_handle=3 hca_object=1000"});
}

// A manager over this host's shape: no net_cls, net_prio, rdma or v1
// hugetlb; cgroup2 at <root>/unified offering only hugetlb.
struct HybridFixture {
  berth::testing::TempDir tmp;
  Layout layout;
  std::unique_ptr<Manager> manager;

  HybridFixture() {
    layout = V1Layout(tmp.path(), {"cpu", "cpuacct", "memory", "pids", "devices", "freezer"});
    layout.mode = Mode::kHybrid;
    layout.unified_mount = tmp.Sub("unified");
    layout.unified_controllers = {"hugetlb"};
    layout.own_cgroups[""] = "/";
    layout.hugepage_sizes = {"2MB", "1GB"};
    Put(layout.unified_mount, "cgroup.controllers", "hugetlb\n");
    Put(layout.unified_mount, "cgroup.subtree_control", "");
    Put(tmp.Sub("unified/ctr"), "hugetlb.2MB.max", "max\n");
    Put(tmp.Sub("unified/ctr"), "cgroup.max.depth", "max\n");
    manager = MakeManager(layout);
  }
};

TEST_CASE("v1 hybrid: unified directory in Paths and AddProcess", "[cgroups][v1][hybrid]") {
  HybridFixture f;
  CHECK(f.manager->mode() == Mode::kHybrid);
  CHECK(f.manager->Paths().at("") == f.tmp.Sub("unified/ctr"));
  BERTH_REQUIRE_OK(f.manager->Create());
  for (const auto& [controller, dir] : f.manager->Paths()) Put(dir, "cgroup.procs");
  WriteLog log(f.tmp.path() + "/");
  BERTH_REQUIRE_OK(f.manager->AddProcess(7));
  CHECK(log.writes().size() == 7);
  CHECK(log.writes().back() == "unified/ctr/cgroup.procs <- 7");
}

TEST_CASE("v1 hybrid: hugetlb goes to the unified directory", "[cgroups][v1][hybrid]") {
  HybridFixture f;
  WriteLog log(f.tmp.path() + "/");
  spec::Resources r;
  r.hugepage_limits = {{"2MB", 4 * 2 * kMiB}};
  BERTH_REQUIRE_OK(f.manager->Apply(r));
  CHECK(log.writes() == Writes{"unified/cgroup.subtree_control <- +hugetlb",
                               "unified/ctr/hugetlb.2MB.max <- 8388608"});
  // Already enabled: not written again.
  log.Clear();
  Put(f.layout.unified_mount, "cgroup.subtree_control", "hugetlb\n");
  BERTH_REQUIRE_OK(f.manager->Apply(r));
  CHECK(log.writes() == Writes{"unified/ctr/hugetlb.2MB.max <- 8388608"});
}

TEST_CASE("v1 hybrid: unified keys only for controllers of the cgroup2 mount",
          "[cgroups][v1][hybrid]") {
  HybridFixture f;
  Put(f.layout.unified_mount, "cgroup.subtree_control", "hugetlb\n");
  WriteLog log(f.tmp.path() + "/");
  spec::Resources r;
  r.unified = {{"hugetlb.2MB.max", "2097152"}, {"cgroup.max.depth", "3"}};
  BERTH_REQUIRE_OK(f.manager->Apply(r));
  CHECK(log.writes() ==
        Writes{"unified/ctr/cgroup.max.depth <- 3", "unified/ctr/hugetlb.2MB.max <- 2097152"});

  spec::Resources memory;
  memory.unified = {{"memory.high", "1000000"}};
  absl::Status status = f.manager->Apply(memory);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(status).find("memory controller is not available") != std::string::npos);
  CHECK(Message(status).find("hybrid") != std::string::npos);
}

TEST_CASE("v1 legacy: unified keys are refused", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V1Layout(tmp.path(), {"memory"}));
  spec::Resources r;
  r.unified = {{"memory.high", "1"}};
  absl::Status status = manager->Apply(r);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(status).find("needs cgroup v2") != std::string::npos);
}

TEST_CASE("v1: resources for unmounted controllers", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V1Layout(tmp.path(), {"memory"}));
  spec::Resources r;
  r.pids = spec::Pids{10};
  absl::Status status = manager->Apply(r);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(status) == "pids.limit requested but the pids cgroup controller is not mounted");
  // So are network limits (runc fails them too).
  spec::Network network;
  network.class_id = 1;
  spec::Resources net;
  net.network = network;
  absl::Status net_status = manager->Apply(net);
  CHECK(net_status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(net_status) ==
        "network.classID requested but the net_cls cgroup controller is not mounted");
}

TEST_CASE("v1 manager: Apply dispatches to the controllers", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  Layout layout = V1Layout(tmp.path(), {"cpu,cpuacct", "cpuset", "memory", "pids", "devices"});
  std::unique_ptr<Manager> manager = MakeManager(layout);
  std::map<std::string, std::string> paths = manager->Paths();
  Put(paths["memory"], "memory.limit_in_bytes", "9223372036854771712");
  Put(paths["cpu"], "cpu.shares", "");
  Put(paths["cpuset"], "cpuset.cpus", "");
  Put(paths["pids"], "pids.max", "");
  Put(paths["devices"], "devices.deny", "");
  WriteLog log(tmp.path() + "/");
  spec::Resources r;
  r.memory = spec::Memory{};
  r.memory->limit = 64 * kMiB;
  r.cpu = spec::Cpu{};
  r.cpu->shares = 256;
  r.cpu->cpus = "0";
  r.pids = spec::Pids{32};
  r.devices = {spec::DeviceRule{}};
  BERTH_REQUIRE_OK(manager->Apply(r));
  CHECK(log.writes() == Writes{"cpuset/ctr/cpuset.cpus <- 0",
                               "devices/ctr/devices.deny <- a *:* rwm",
                               "memory/ctr/memory.limit_in_bytes <- 67108864",
                               "cpu,cpuacct/ctr/cpu.shares <- 256", "pids/ctr/pids.max <- 32"});
}

TEST_CASE("v1 freezer state on fake files", "[cgroups][v1][freezer]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V1Layout(tmp.path(), {"freezer"}));
  std::string dir = manager->Paths().at("freezer");
  Put(dir, "freezer.state", "THAWED\n");
  absl::StatusOr<FreezerState> state = manager->GetFreezerState();
  BERTH_REQUIRE_OK(state.status());
  CHECK(*state == FreezerState::kThawed);
  BERTH_REQUIRE_OK(manager->Freeze());  // a plain file reads back FROZEN at once
  state = manager->GetFreezerState();
  CHECK(*state == FreezerState::kFrozen);
  BERTH_REQUIRE_OK(manager->Thaw());
  CHECK(Get(dir, "freezer.state") == "THAWED");

  // Without a freezer: thawed, and freezing is refused.
  std::unique_ptr<Manager> none = MakeManager(V1Layout(tmp.Sub("other"), {"memory"}));
  CHECK(*none->GetFreezerState() == FreezerState::kThawed);
  CHECK(none->Freeze().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("v1 SignalAll freezes around the kill, an empty cgroup not at all",
          "[cgroups][v1][freezer]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V1Layout(tmp.path(), {"freezer", "pids"}));
  std::string freezer = manager->Paths().at("freezer");
  std::string pids = manager->Paths().at("pids");
  Put(freezer, "freezer.state", "THAWED\n");
  Put(pids, "cgroup.procs", "");
  {
    WriteLog log;
    BERTH_REQUIRE_OK(manager->SignalAll(SIGKILL));
    CHECK(log.writes().empty());
  }
  // A pid that is not ours to kill: signal 0 only checks it exists.
  Put(pids, "cgroup.procs", std::to_string(getpid()) + "\n");
  WriteLog log;
  BERTH_REQUIRE_OK(manager->SignalAll(0));
  CHECK(log.writes() ==
        std::vector<std::string>{"freezer.state <- FROZEN", "freezer.state <- THAWED"});
}

TEST_CASE("v1 Pids reads cgroup.procs recursively", "[cgroups][v1]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V1Layout(tmp.path(), {"memory", "pids"}));
  std::string dir = manager->Paths().at("pids");
  Put(dir, "cgroup.procs", "10\n11\n");
  Put(dir + "/child", "cgroup.procs", "12\n10\n");
  Put(dir + "/child/grandchild", "cgroup.procs", "");
  absl::StatusOr<std::vector<pid_t>> pids = manager->Pids();
  BERTH_REQUIRE_OK(pids.status());
  CHECK(*pids == std::vector<pid_t>{10, 11, 12});
}

}  // namespace
}  // namespace berth::runtime::cgroups

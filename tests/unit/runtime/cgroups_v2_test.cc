// The v2 manager and its conversions against fake cgroup2 files.
#include <signal.h>

#include <catch2/catch.hpp>
#include <limits>

#include "common/file_util.h"
#include "runtime/cgroups/freezer.h"
#include "runtime/cgroups/manager.h"
#include "runtime/cgroups/v2_resources.h"
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
constexpr char kAllControllers[] = "cpuset cpu io memory hugetlb pids rdma misc\n";

// A unified host whose cgroup2 mount is `root`, with this process in /.
Layout V2Layout(const std::string& root) {
  Layout layout;
  layout.mode = Mode::kUnified;
  layout.unified_mount = root;
  layout.unified_controllers = SplitWords(kAllControllers);
  layout.own_cgroups[""] = "/";
  layout.hugepage_sizes = {"2MB", "1GB"};
  return layout;
}

std::unique_ptr<Manager> MakeManager(const Layout& layout, const std::string& path = "/ctr") {
  absl::StatusOr<std::unique_ptr<Manager>> manager =
      NewManager(layout, {.cgroups_path = path, .container_id = "ctr"});
  BERTH_REQUIRE_OK(manager.status());
  return std::move(*manager);
}

TEST_CASE("v2: Create enables controllers in every ancestor", "[cgroups][v2]") {
  berth::testing::TempDir tmp;
  Layout layout = V2Layout(tmp.path());
  Put(tmp.path(), "cgroup.controllers", kAllControllers);
  Put(tmp.path(), "cgroup.subtree_control", "cpu memory\n");
  Put(tmp.Sub("pod"), "cgroup.controllers", "cpu memory pids\n");  // what the root enables
  Put(tmp.Sub("pod"), "cgroup.subtree_control", "");
  std::unique_ptr<Manager> manager = MakeManager(layout, "/pod/ctr");
  CHECK(manager->Paths() == std::map<std::string, std::string>{{"", tmp.Sub("pod/ctr")}});
  CHECK(manager->mode() == Mode::kUnified);
  CHECK(manager->OomEventSource() == tmp.Sub("pod/ctr/memory.events"));
  WriteLog log(tmp.path() + "/");
  BERTH_REQUIRE_OK(manager->Create());
  CHECK(PathExists(tmp.Sub("pod/ctr")));
  CHECK(log.writes() ==
        Writes{"cgroup.subtree_control <- +cpuset", "cgroup.subtree_control <- +io",
               "cgroup.subtree_control <- +hugetlb", "cgroup.subtree_control <- +pids",
               "cgroup.subtree_control <- +rdma", "cgroup.subtree_control <- +misc",
               "pod/cgroup.subtree_control <- +cpu", "pod/cgroup.subtree_control <- +memory",
               "pod/cgroup.subtree_control <- +pids"});
}

TEST_CASE("v2: a controller that cannot be enabled does not fail Create", "[cgroups][v2]") {
  berth::testing::TempDir tmp;
  Put(tmp.path(), "cgroup.controllers", "memory\n");
  REQUIRE(MkdirAll(tmp.Sub("cgroup.subtree_control")).ok());  // unwritable
  std::unique_ptr<Manager> manager = MakeManager(V2Layout(tmp.path()));
  BERTH_REQUIRE_OK(manager->Create());
  CHECK(PathExists(tmp.Sub("ctr")));
}

TEST_CASE("v2 conversions: cpu.weight and io.weight", "[cgroups][v2]") {
  CHECK(CpuSharesToWeight(0) == 0);
  CHECK(CpuSharesToWeight(2) == 1);
  CHECK(CpuSharesToWeight(1024) == 39);
  CHECK(CpuSharesToWeight(262144) == 10000);
  CHECK(CpuSharesToWeight(1) == 1);  // clamped like the kernel's MIN_SHARES
  CHECK(BlkioWeightToIoWeight(10) == 1);
  CHECK(BlkioWeightToIoWeight(500) == 4950);
  CHECK(BlkioWeightToIoWeight(1000) == 10000);
  CHECK(BlkioWeightToIoWeight(0) == 0);
}

TEST_CASE("v2 conversions: memory.swap.max", "[cgroups][v2][memory]") {
  auto swap = [](std::optional<int64_t> s, std::optional<int64_t> l) -> std::string {
    absl::StatusOr<std::optional<std::string>> v = SwapMaxValue(s, l);
    if (!v.ok()) return "error";
    return v->value_or("unset");
  };
  CHECK(swap(300 * kMiB, 100 * kMiB) == std::to_string(200 * kMiB));
  CHECK(swap(100 * kMiB, 100 * kMiB) == "0");
  CHECK(swap(-1, 100 * kMiB) == "max");
  CHECK(swap(std::nullopt, -1) == "max");
  CHECK(swap(std::nullopt, 100 * kMiB) == "unset");
  CHECK(swap(100 * kMiB, std::nullopt) == "error");
  CHECK(swap(100 * kMiB, -1) == "error");
  CHECK(swap(50 * kMiB, 100 * kMiB) == "error");
}

struct V2Fixture {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  WriteLog log;
};

TEST_CASE("v2 memory", "[cgroups][v2][memory]") {
  V2Fixture f;
  for (const char* file : {"memory.max", "memory.swap.max", "memory.low"}) Put(f.dir, file);
  spec::Memory m;
  m.limit = 100 * kMiB;
  m.swap = 300 * kMiB;
  m.reservation = 50 * kMiB;
  m.kernel = 10 * kMiB;  // ignored with a warning
  BERTH_REQUIRE_OK(ApplyV2Memory(f.dir, m));
  CHECK(f.log.writes() == Writes{"memory.swap.max <- 209715200", "memory.max <- 104857600",
                                 "memory.low <- 52428800"});
  f.log.Clear();
  spec::Memory unlimited;
  unlimited.limit = -1;
  BERTH_REQUIRE_OK(ApplyV2Memory(f.dir, unlimited));
  CHECK(f.log.writes() == Writes{"memory.swap.max <- max", "memory.max <- max"});
}

TEST_CASE("v2 memory: invalid combinations", "[cgroups][v2][memory]") {
  V2Fixture f;
  spec::Memory swap_only;
  swap_only.swap = 100 * kMiB;
  absl::Status status = ApplyV2Memory(f.dir, swap_only);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(status).find("without a memory.limit") != std::string::npos);
  spec::Memory swappiness;
  swappiness.swappiness = 30;
  CHECK(ApplyV2Memory(f.dir, swappiness).code() == absl::StatusCode::kInvalidArgument);
  swappiness.swappiness = std::numeric_limits<uint64_t>::max();  // -1: unset
  BERTH_REQUIRE_OK(ApplyV2Memory(f.dir, swappiness));
  spec::Memory negative;
  negative.limit = -7;
  CHECK(ApplyV2Memory(f.dir, negative).code() == absl::StatusCode::kInvalidArgument);
  CHECK(f.log.writes().empty());
}

TEST_CASE("v2 memory: a kernel without swap accounting", "[cgroups][v2][memory]") {
  V2Fixture f;
  Put(f.dir, "memory.max");
  spec::Memory m;
  m.limit = 100 * kMiB;
  m.swap = 200 * kMiB;
  absl::Status status = ApplyV2Memory(f.dir, m);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Message(status).find("no memory.swap.max") != std::string::npos);
  m.swap = -1;  // unlimited swap is what such a kernel has anyway
  BERTH_REQUIRE_OK(ApplyV2Memory(f.dir, m));
  CHECK(f.log.writes() == Writes{"memory.max <- 104857600"});
}

TEST_CASE("v2 memory: checkBeforeUpdate and a missing controller", "[cgroups][v2][memory]") {
  V2Fixture f;
  Put(f.dir, "memory.current", "209715200\n");
  spec::Memory m;
  m.limit = 100 * kMiB;
  m.check_before_update = true;
  CHECK(ApplyV2Memory(f.dir, m).code() == absl::StatusCode::kFailedPrecondition);
  m.check_before_update = false;
  absl::Status status = ApplyV2Memory(f.dir, m);  // no memory.max: controller not enabled
  CHECK(Message(status).find("memory.max: no such file or directory (is the memory controller "
                             "enabled") != std::string::npos);
}

TEST_CASE("v2 cpu: weight, cpu.max, burst, idle", "[cgroups][v2][cpu]") {
  V2Fixture f;
  for (const char* file : {"cpu.weight", "cpu.max.burst", "cpu.idle"}) Put(f.dir, file);
  Put(f.dir, "cpu.max", "max 100000\n");
  spec::Cpu cpu;
  cpu.shares = 1024;
  cpu.quota = 50000;
  cpu.period = 100000;
  cpu.burst = 20000;
  cpu.idle = 1;
  BERTH_REQUIRE_OK(ApplyV2Cpu(f.dir, cpu));
  CHECK(f.log.writes() == Writes{"cpu.idle <- 1", "cpu.weight <- 39", "cpu.max.burst <- 20000",
                                 "cpu.max <- 50000 100000"});
}

TEST_CASE("v2 cpu.max keeps what is not given", "[cgroups][v2][cpu]") {
  V2Fixture f;
  Put(f.dir, "cpu.max", "30000 100000\n");
  spec::Cpu period_only;
  period_only.period = 200000;
  BERTH_REQUIRE_OK(ApplyV2Cpu(f.dir, period_only));
  CHECK(Get(f.dir, "cpu.max") == "30000 200000");
  spec::Cpu quota_only;
  quota_only.quota = 20000;
  BERTH_REQUIRE_OK(ApplyV2Cpu(f.dir, quota_only));
  CHECK(Get(f.dir, "cpu.max") == "20000 200000");
  spec::Cpu unlimited;
  unlimited.quota = -1;
  unlimited.period = 50000;
  BERTH_REQUIRE_OK(ApplyV2Cpu(f.dir, unlimited));
  CHECK(Get(f.dir, "cpu.max") == "max 50000");
  spec::Cpu zero;  // 0 means "leave alone"
  zero.quota = 0;
  zero.shares = 0;
  f.log.Clear();
  BERTH_REQUIRE_OK(ApplyV2Cpu(f.dir, zero));
  CHECK(f.log.writes().empty());
}

TEST_CASE("v2 cpu: invalid values", "[cgroups][v2][cpu]") {
  V2Fixture f;
  spec::Cpu shares;
  shares.shares = 300000;
  CHECK(ApplyV2Cpu(f.dir, shares).code() == absl::StatusCode::kInvalidArgument);
  spec::Cpu quota;
  quota.quota = -2;
  CHECK(ApplyV2Cpu(f.dir, quota).code() == absl::StatusCode::kInvalidArgument);
  spec::Cpu realtime;
  realtime.realtime_runtime = 1000;
  absl::Status status = ApplyV2Cpu(f.dir, realtime);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(status).find("realtime") != std::string::npos);
  CHECK(f.log.writes().empty());
}

TEST_CASE("v2 io: weights and io.max lines", "[cgroups][v2][io]") {
  V2Fixture f;
  Put(f.dir, "io.weight");
  Put(f.dir, "io.max");
  spec::BlockIo io;
  io.weight = 500;
  spec::WeightDevice wd;
  wd.major = 8;
  wd.minor = 0;
  wd.weight = 10;
  io.weight_device = {wd};
  io.throttle_read_bps_device = {{{8, 0}, 1000}};
  io.throttle_write_bps_device = {{{8, 0}, 2000}};
  io.throttle_read_iops_device = {{{8, 16}, 10}};
  io.throttle_write_iops_device = {{{8, 0}, 0}};
  BERTH_REQUIRE_OK(ApplyV2Io(f.dir, io));
  CHECK(f.log.writes() == Writes{"io.weight <- 4950", "io.weight <- 8:0 1",
                                 "io.max <- 8:0 rbps=1000 wbps=2000 wiops=max",
                                 "io.max <- 8:16 riops=10"});
  f.log.Clear();
  Put(f.dir, "io.bfq.weight");  // BFQ takes the weight as is
  BERTH_REQUIRE_OK(ApplyV2Io(f.dir, spec::BlockIo{.weight = 500}));
  CHECK(f.log.writes() == Writes{"io.bfq.weight <- 500"});
  CHECK(ApplyV2Io(f.dir, spec::BlockIo{.weight = 5}).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("v2 pids, cpuset, hugetlb, rdma", "[cgroups][v2]") {
  V2Fixture f;
  for (const char* file : {"pids.max", "cpuset.cpus", "cpuset.mems", "hugetlb.2MB.max",
                           "hugetlb.2MB.rsvd.max", "hugetlb.1GB.max", "rdma.max"}) {
    Put(f.dir, file);
  }
  BERTH_REQUIRE_OK(ApplyV2Pids(f.dir, spec::Pids{64}));
  BERTH_REQUIRE_OK(ApplyV2Pids(f.dir, spec::Pids{-1}));
  spec::Cpu cpu;
  cpu.cpus = "0,2";
  cpu.mems = "0";
  BERTH_REQUIRE_OK(ApplyV2Cpuset(f.dir, cpu));
  BERTH_REQUIRE_OK(
      ApplyV2Hugetlb(f.dir, {{"2MB", 2 * 2 * kMiB}, {"1GB", 1 << 30}}, {"2MB", "1GB"}));
  std::map<std::string, spec::Rdma> rdma;
  rdma["mlx5_0"].hca_handles = 2;
  BERTH_REQUIRE_OK(ApplyV2Rdma(f.dir, rdma));
  CHECK(f.log.writes() == Writes{"pids.max <- 64", "pids.max <- max", "cpuset.cpus <- 0,2",
                                 "cpuset.mems <- 0", "hugetlb.2MB.max <- 4194304",
                                 "hugetlb.2MB.rsvd.max <- 4194304", "hugetlb.1GB.max <- 1073741824",
                                 "rdma.max <- mlx5_0 hca_handle=2"});
  CHECK(ApplyV2Hugetlb(f.dir, {{"3MB", 1}}, {"2MB", "1GB"}).code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("v2 unified keys", "[cgroups][v2][unified]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V2Layout(tmp.path()));
  std::string dir = tmp.Sub("ctr");
  Put(dir, "cgroup.controllers", "cpu memory pids\n");
  Put(dir, "memory.high", "max\n");
  Put(dir, "cgroup.max.descendants", "max\n");
  WriteLog log;
  spec::Resources r;
  r.unified = {{"memory.high", "1073741824"}, {"cgroup.max.descendants", "10"}};
  BERTH_REQUIRE_OK(manager->Apply(r));
  CHECK(log.writes() == Writes{"cgroup.max.descendants <- 10", "memory.high <- 1073741824"});

  auto fails = [&](const std::string& key) {
    spec::Resources bad;
    bad.unified = {{key, "1"}};
    absl::Status status = manager->Apply(bad);
    INFO(key << ": " << Message(status));
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    return Message(status);
  };
  CHECK(fails("../memory.max").find("not a plain cgroup file name") != std::string::npos);
  CHECK(fails("memory/high").find("not a plain cgroup file name") != std::string::npos);
  CHECK(fails("nodot").find("<controller>.<file>") != std::string::npos);
  CHECK(fails("io.max").find("the io controller is not available") != std::string::npos);
  CHECK(fails("foo.bar").find("the foo controller is not available") != std::string::npos);
}

TEST_CASE("v2 manager: Apply order and network warning", "[cgroups][v2]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V2Layout(tmp.path()));
  std::string dir = tmp.Sub("ctr");
  for (const char* file : {"pids.max", "memory.max", "cpu.weight", "cpuset.cpus"}) Put(dir, file);
  WriteLog log;
  spec::Resources r;
  r.pids = spec::Pids{10};
  r.memory = spec::Memory{};
  r.memory->limit = 8 * kMiB;
  r.cpu = spec::Cpu{};
  r.cpu->shares = 2;
  r.cpu->cpus = "1";
  r.network = spec::Network{};
  r.network->class_id = 7;
  BERTH_REQUIRE_OK(manager->Apply(r));
  CHECK(log.writes() ==
        Writes{"pids.max <- 10", "memory.max <- 8388608", "cpu.weight <- 1", "cpuset.cpus <- 1"});
}

TEST_CASE("v2 freezer on fake files", "[cgroups][v2][freezer]") {
  berth::testing::TempDir tmp;
  std::string dir = tmp.path();
  CHECK(*FreezerStateV2(dir) == FreezerState::kThawed);  // no cgroup.freeze at all
  Put(dir, "cgroup.freeze", "0\n");
  Put(dir, "cgroup.events", "populated 1\nfrozen 1\n");
  BERTH_REQUIRE_OK(FreezeV2(dir));
  CHECK(Get(dir, "cgroup.freeze") == "1");
  CHECK(*FreezerStateV2(dir) == FreezerState::kFrozen);
  Put(dir, "cgroup.events", "populated 1\nfrozen 0\n");
  CHECK(*FreezerStateV2(dir) == FreezerState::kFreezing);
  // Never reported frozen: times out and thaws again.
  absl::Status status = FreezeV2(dir, std::chrono::milliseconds(30));
  CHECK(status.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(Get(dir, "cgroup.freeze") == "0");
  CHECK(*FreezerStateV2(dir) == FreezerState::kThawed);
}

TEST_CASE("v2 SignalAll(SIGKILL) uses cgroup.kill", "[cgroups][v2]") {
  berth::testing::TempDir tmp;
  std::unique_ptr<Manager> manager = MakeManager(V2Layout(tmp.path()));
  std::string dir = tmp.Sub("ctr");
  Put(dir, "cgroup.kill");
  Put(dir, "cgroup.procs", "");
  WriteLog log;
  BERTH_REQUIRE_OK(manager->SignalAll(SIGKILL));
  CHECK(log.writes() == Writes{"cgroup.kill <- 1"});
}

TEST_CASE("v2 LoadManager", "[cgroups][v2]") {
  berth::testing::TempDir tmp;
  Layout layout = V2Layout(tmp.path());
  absl::StatusOr<std::unique_ptr<Manager>> loaded = LoadManager(layout, {{"", tmp.Sub("ctr")}});
  BERTH_REQUIRE_OK(loaded.status());
  CHECK((*loaded)->Paths().at("") == tmp.Sub("ctr"));
  CHECK((*loaded)->mode() == Mode::kUnified);
  absl::StatusOr<std::unique_ptr<Manager>> v1_record =
      LoadManager(layout, {{"memory", "/sys/fs/cgroup/memory/ctr"}});
  CHECK(v1_record.status().code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace berth::runtime::cgroups

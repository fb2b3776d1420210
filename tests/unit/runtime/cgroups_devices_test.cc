// Device rules: v1 lines, runc's defaults, and the v2 eBPF program, which
// is run here by a small interpreter of the instructions it uses.
#include <linux/bpf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <stdexcept>

#include "runtime/cgroups/devices.h"
#include "runtime/cgroups/v2_devices_bpf.h"
#include "tests/unit/runtime/cgroups_fake.h"

namespace berth::runtime::cgroups {
namespace {

using testing::Message;

spec::DeviceRule Rule(bool allow, std::string type, std::optional<int64_t> major,
                      std::optional<int64_t> minor, std::string access) {
  spec::DeviceRule rule;
  rule.allow = allow;
  rule.type = std::move(type);
  rule.major = major;
  rule.minor = minor;
  rule.access = std::move(access);
  return rule;
}

spec::DeviceRule DenyAll() { return Rule(false, "a", std::nullopt, std::nullopt, "rwm"); }
spec::DeviceRule AllowAll() { return Rule(true, "a", std::nullopt, std::nullopt, "rwm"); }

// Runs a BPF_PROG_TYPE_CGROUP_DEVICE program the way the kernel would for
// one access check; throws on instructions it does not know or bad jumps.
int64_t Run(const std::vector<bpf_insn>& program, uint32_t type, uint32_t access, uint32_t major,
            uint32_t minor) {
  const uint32_t ctx[3] = {type | (access << 16), major, minor};
  uint64_t reg[11] = {};
  size_t pc = 0;
  for (int steps = 0; steps < 4096; ++steps) {
    if (pc >= program.size()) throw std::runtime_error("fell off the end of the program");
    const bpf_insn& insn = program[pc++];
    uint64_t& dst = reg[insn.dst_reg];
    const uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(insn.imm));
    switch (insn.code) {
      case BPF_LDX | BPF_W | BPF_MEM:
        if (insn.src_reg != BPF_REG_1 || insn.off % 4 != 0 || insn.off < 0 || insn.off > 8) {
          throw std::runtime_error("bad context load");
        }
        dst = ctx[insn.off / 4];
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        dst = static_cast<uint32_t>(dst & imm);
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        dst = static_cast<uint32_t>(dst) >> insn.imm;
        break;
      case BPF_ALU | BPF_MOV | BPF_X:
        dst = static_cast<uint32_t>(reg[insn.src_reg]);
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        dst = imm;
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (dst != imm) pc += insn.off;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        if (dst == imm) pc += insn.off;
        break;
      case BPF_JMP | BPF_EXIT:
        return static_cast<int64_t>(reg[BPF_REG_0]);
      default:
        throw std::runtime_error("unknown instruction " + std::to_string(insn.code));
    }
  }
  throw std::runtime_error("no exit");
}

constexpr uint32_t kChar = BPF_DEVCG_DEV_CHAR;
constexpr uint32_t kBlock = BPF_DEVCG_DEV_BLOCK;
constexpr uint32_t kR = BPF_DEVCG_ACC_READ;
constexpr uint32_t kW = BPF_DEVCG_ACC_WRITE;
constexpr uint32_t kM = BPF_DEVCG_ACC_MKNOD;

std::vector<bpf_insn> Build(const std::vector<spec::DeviceRule>& rules) {
  absl::StatusOr<std::vector<bpf_insn>> program = BuildDeviceFilter(rules);
  BERTH_REQUIRE_OK(program.status());
  return *program;
}

TEST_CASE("Device rule lines for v1", "[cgroups][devices]") {
  CHECK(DeviceRuleLine(Rule(true, "c", 1, 3, "rwm")) == "c 1:3 rwm");
  CHECK(DeviceRuleLine(Rule(true, "c", 136, std::nullopt, "wr")) == "c 136:* rw");
  CHECK(DeviceRuleLine(Rule(false, "", std::nullopt, std::nullopt, "")) == "a *:* rwm");
  CHECK(DeviceRuleLine(Rule(true, "b", std::nullopt, 0, "m")) == "b *:0 m");
  CHECK(IsWildcardRule(DenyAll()));
  CHECK(IsWildcardRule(Rule(true, "", std::nullopt, std::nullopt, "")));
  CHECK_FALSE(IsWildcardRule(Rule(true, "c", std::nullopt, std::nullopt, "rwm")));
  CHECK_FALSE(IsWildcardRule(Rule(true, "a", std::nullopt, std::nullopt, "rw")));
}

TEST_CASE("Device rule validation", "[cgroups][devices]") {
  CHECK(ValidateDeviceRule(Rule(true, "c", 1, 3, "rwm"), 0).ok());
  absl::Status type = ValidateDeviceRule(Rule(true, "u", 1, 3, "rwm"), 2);
  CHECK(Message(type) == "linux.resources.devices[2].type: \"u\" is not a, c or b");
  CHECK_FALSE(ValidateDeviceRule(Rule(true, "c", 1, 3, "rx"), 0).ok());
  CHECK_FALSE(ValidateDeviceRule(Rule(true, "c", -1, 3, "r"), 0).ok());
  CHECK_FALSE(ValidateDeviceRule(Rule(true, "c", 1, int64_t{1} << 33, "r"), 0).ok());
}

TEST_CASE("Default allowed devices are runc's", "[cgroups][devices]") {
  std::vector<std::string> lines;
  for (const spec::DeviceRule& rule : DefaultAllowedDevices()) {
    CHECK(rule.allow);
    lines.push_back(DeviceRuleLine(rule));
  }
  CHECK(lines == std::vector<std::string>{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm",
                                          "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm",
                                          "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm"});
}

TEST_CASE("eBPF device program structure", "[cgroups][devices][bpf]") {
  std::vector<bpf_insn> empty = Build({});
  REQUIRE(empty.size() == 8);  // prologue, then deny by default
  CHECK(empty[0].code == (BPF_LDX | BPF_W | BPF_MEM));
  CHECK(empty[0].dst_reg == BPF_REG_2);
  CHECK(empty[1].code == (BPF_ALU | BPF_AND | BPF_K));
  CHECK(empty[1].imm == 0xffff);
  CHECK(empty[3].code == (BPF_ALU | BPF_RSH | BPF_K));
  CHECK(empty[3].imm == 16);
  CHECK(empty[4].off == 4);
  CHECK(empty[5].off == 8);
  CHECK(empty[6].code == (BPF_ALU64 | BPF_MOV | BPF_K));
  CHECK(empty[6].imm == 0);
  CHECK(empty[7].code == (BPF_JMP | BPF_EXIT));

  // A wildcard decides everything: no default block after it.
  std::vector<bpf_insn> deny_all = Build({DenyAll()});
  CHECK(deny_all.size() == 8);
  // Rules before the last wildcard are unreachable and not emitted.
  CHECK(Build({Rule(true, "c", 1, 3, "rwm"), DenyAll()}).size() == 8);

  // A full-access rule: type, major, minor checks, then the verdict.
  std::vector<bpf_insn> one = Build({DenyAll(), Rule(true, "c", 1, 3, "rwm")});
  REQUIRE(one.size() == 6 + 5 + 2);
  CHECK(one[6].code == (BPF_JMP | BPF_JNE | BPF_K));
  CHECK(one[6].dst_reg == BPF_REG_2);
  CHECK(one[6].imm == BPF_DEVCG_DEV_CHAR);
  CHECK(one[6].off == 4);  // to the next block
  CHECK(one[7].dst_reg == BPF_REG_4);
  CHECK(one[7].imm == 1);
  CHECK(one[8].dst_reg == BPF_REG_5);
  CHECK(one[8].imm == 3);
  CHECK(one[9].imm == 1);  // r0 = allow
  CHECK(one[10].code == (BPF_JMP | BPF_EXIT));

  absl::StatusOr<std::vector<bpf_insn>> bad = BuildDeviceFilter({Rule(true, "z", 1, 1, "r")});
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("eBPF device program: runc's default list", "[cgroups][devices][bpf]") {
  std::vector<spec::DeviceRule> rules = {DenyAll()};
  for (const spec::DeviceRule& rule : DefaultAllowedDevices()) rules.push_back(rule);
  std::vector<bpf_insn> p = Build(rules);
  CHECK(Run(p, kChar, kR, 1, 3) == 1);          // read /dev/null
  CHECK(Run(p, kChar, kR | kW, 1, 5) == 1);     // rw /dev/zero
  CHECK(Run(p, kChar, kR | kW, 136, 7) == 1);   // a pty
  CHECK(Run(p, kChar, kR | kW, 10, 200) == 1);  // tun
  CHECK(Run(p, kChar, kM, 99, 1) == 1);         // mknod of any char device
  CHECK(Run(p, kBlock, kM, 8, 0) == 1);
  CHECK(Run(p, kChar, kR, 99, 1) == 0);  // but not reading it
  CHECK(Run(p, kBlock, kR, 8, 0) == 0);
  CHECK(Run(p, kChar, kR, 5, 1) == 0);  // /dev/console
  CHECK(Run(p, kChar, kR, 4, 1) == 0);  // /dev/tty1
}

TEST_CASE("eBPF device program: each access bit is decided by the last rule naming it",
          "[cgroups][devices][bpf]") {
  // Allowing read and write separately allows read-write.
  std::vector<bpf_insn> split =
      Build({DenyAll(), Rule(true, "c", 1, 3, "r"), Rule(true, "c", 1, 3, "w")});
  CHECK(Run(split, kChar, kR | kW, 1, 3) == 1);
  CHECK(Run(split, kChar, kR | kW | kM, 1, 3) == 0);  // mknod was never allowed
  CHECK(Run(split, kChar, kR, 1, 4) == 0);

  // A later deny of one bit takes it away from an earlier allow.
  std::vector<bpf_insn> narrowed =
      Build({DenyAll(), Rule(true, "c", 1, 3, "rwm"), Rule(false, "c", 1, 3, "w")});
  CHECK(Run(narrowed, kChar, kR, 1, 3) == 1);
  CHECK(Run(narrowed, kChar, kW, 1, 3) == 0);
  CHECK(Run(narrowed, kChar, kR | kW, 1, 3) == 0);

  // Allow-by-default with holes (a blacklist).
  std::vector<bpf_insn> blacklist = Build({AllowAll(), Rule(false, "b", 8, std::nullopt, "rw")});
  CHECK(Run(blacklist, kBlock, kR, 8, 1) == 0);
  CHECK(Run(blacklist, kBlock, kM, 8, 1) == 1);
  CHECK(Run(blacklist, kChar, kR, 8, 1) == 1);

  // A later allow re-opens what an earlier deny closed.
  std::vector<bpf_insn> reopened =
      Build({AllowAll(), Rule(false, "c", 1, 3, "rwm"), Rule(true, "c", 1, 3, "r")});
  CHECK(Run(reopened, kChar, kR, 1, 3) == 1);
  CHECK(Run(reopened, kChar, kR | kW, 1, 3) == 0);
}

TEST_CASE("eBPF device program: the last wildcard wins", "[cgroups][devices][bpf]") {
  CHECK(Run(Build({AllowAll(), DenyAll()}), kChar, kR, 1, 3) == 0);
  CHECK(Run(Build({DenyAll(), AllowAll()}), kChar, kR, 1, 3) == 1);
  CHECK(Run(Build({}), kChar, kR, 1, 3) == 0);  // no rules: deny
  // Type "a" with numbers matches both char and block devices.
  std::vector<bpf_insn> any_type = Build({DenyAll(), Rule(true, "a", 7, std::nullopt, "r")});
  CHECK(Run(any_type, kChar, kR, 7, 0) == 1);
  CHECK(Run(any_type, kBlock, kR, 7, 9) == 1);
  CHECK(Run(any_type, kBlock, kW, 7, 9) == 0);
}

}  // namespace
}  // namespace berth::runtime::cgroups

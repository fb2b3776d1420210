#include "runtime/cgroups/v2_devices_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/cgroups/devices.h"

namespace berth::runtime::cgroups {
namespace {

// Registers of the program: struct bpf_cgroup_dev_ctx is in R1.
constexpr uint8_t kR0 = 0, kR1 = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5;

struct bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn i;
  std::memset(&i, 0, sizeof(i));
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

int32_t AccessBits(const std::string& access) {
  std::string a = access.empty() ? "rwm" : access;
  int32_t bits = 0;
  if (a.find('r') != std::string::npos) bits |= BPF_DEVCG_ACC_READ;
  if (a.find('w') != std::string::npos) bits |= BPF_DEVCG_ACC_WRITE;
  if (a.find('m') != std::string::npos) bits |= BPF_DEVCG_ACC_MKNOD;
  return bits;
}

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// One rule: conditional jumps to the end of the block when it does not
// match, else return its verdict.
std::vector<struct bpf_insn> RuleBlock(const spec::DeviceRule& rule) {
  std::vector<struct bpf_insn> block;
  std::vector<size_t> exits;  // jumps to patch to "next block"
  auto jump_out = [&](struct bpf_insn insn) {
    exits.push_back(block.size());
    block.push_back(insn);
  };
  if (rule.type == "c" || rule.type == "b") {
    int32_t type = rule.type == "c" ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
    jump_out(Insn(BPF_JMP | BPF_JNE | BPF_K, kType, 0, 0, type));
  }
  int32_t access = AccessBits(rule.access);
  if (access != kAllAccess) {
    block.push_back(Insn(BPF_ALU | BPF_MOV | BPF_X, kR1, kAccess, 0, 0));
    if (rule.allow) {
      // Not matched when anything outside the rule's access is asked for.
      block.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, kR1, 0, 0, ~access & kAllAccess));
      jump_out(Insn(BPF_JMP | BPF_JNE | BPF_K, kR1, 0, 0, 0));
    } else {
      // Not matched when none of the rule's access is asked for.
      block.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, kR1, 0, 0, access));
      jump_out(Insn(BPF_JMP | BPF_JEQ | BPF_K, kR1, 0, 0, 0));
    }
  }
  if (rule.major) jump_out(Insn(BPF_JMP | BPF_JNE | BPF_K, kMajor, 0, 0, static_cast<int32_t>(*rule.major)));
  if (rule.minor) jump_out(Insn(BPF_JMP | BPF_JNE | BPF_K, kMinor, 0, 0, static_cast<int32_t>(*rule.minor)));
  block.push_back(Insn(BPF_ALU | BPF_MOV | BPF_K, kR0, 0, 0, rule.allow ? 1 : 0));
  block.push_back(Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  for (size_t at : exits) block[at].off = static_cast<int16_t>(block.size() - at - 1);
  return block;
}

long Bpf(int cmd, union bpf_attr* attr) {
  return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

}  // namespace

std::vector<struct bpf_insn> BuildDeviceProgram(const std::vector<spec::DeviceRule>& rules) {
  bool default_allow = true;  // a cgroup without rules allows everything
  std::vector<const spec::DeviceRule*> specific;
  for (const spec::DeviceRule& rule : rules) {
    if (IsWildcardRule(rule)) {
      default_allow = rule.allow;
      specific.clear();
      continue;
    }
    specific.push_back(&rule);
  }
  std::vector<struct bpf_insn> program = {
      // R2 = type (low 16 bits of access_type), R3 = access (high 16 bits)
      Insn(BPF_LDX | BPF_MEM | BPF_W, kType, kR1, 0, 0),
      Insn(BPF_ALU | BPF_AND | BPF_K, kType, 0, 0, 0xFFFF),
      Insn(BPF_LDX | BPF_MEM | BPF_W, kAccess, kR1, 0, 0),
      Insn(BPF_ALU | BPF_RSH | BPF_K, kAccess, 0, 0, 16),
      Insn(BPF_LDX | BPF_MEM | BPF_W, kMajor, kR1, 4, 0),
      Insn(BPF_LDX | BPF_MEM | BPF_W, kMinor, kR1, 8, 0),
  };
  // Later rules win: test them first.
  for (auto it = specific.rbegin(); it != specific.rend(); ++it) {
    std::vector<struct bpf_insn> block = RuleBlock(**it);
    program.insert(program.end(), block.begin(), block.end());
  }
  program.push_back(Insn(BPF_ALU | BPF_MOV | BPF_K, kR0, 0, 0, default_allow ? 1 : 0));
  program.push_back(Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return program;
}

absl::Status AttachDeviceProgram(const std::string& cgroup_dir,
                                 const std::vector<struct bpf_insn>& program) {
  UniqueFd dir(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return ErrnoErrorf(errno, "open cgroup {}", cgroup_dir);

  // Programs already attached, to detach once the new one is in place.
  std::vector<uint32_t> old_ids(64);
  union bpf_attr query;
  std::memset(&query, 0, sizeof(query));
  query.query.target_fd = static_cast<uint32_t>(dir.get());
  query.query.attach_type = BPF_CGROUP_DEVICE;
  query.query.prog_ids = reinterpret_cast<uint64_t>(old_ids.data());
  query.query.prog_cnt = static_cast<uint32_t>(old_ids.size());
  if (Bpf(BPF_PROG_QUERY, &query) < 0) return ErrnoErrorf(errno, "query device programs of {}", cgroup_dir);
  old_ids.resize(query.query.prog_cnt);

  static const char kLicense[] = "Apache";
  union bpf_attr load;
  std::memset(&load, 0, sizeof(load));
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.data());
  load.insn_cnt = static_cast<uint32_t>(program.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  UniqueFd prog(static_cast<int>(Bpf(BPF_PROG_LOAD, &load)));
  if (!prog) return ErrnoErrorf(errno, "load device filter program for {}", cgroup_dir);

  union bpf_attr attach;
  std::memset(&attach, 0, sizeof(attach));
  attach.target_fd = static_cast<uint32_t>(dir.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attach) < 0) {
    return ErrnoErrorf(errno, "attach device filter program to {}", cgroup_dir);
  }
  for (uint32_t id : old_ids) {
    union bpf_attr get;
    std::memset(&get, 0, sizeof(get));
    get.prog_id = id;
    UniqueFd old(static_cast<int>(Bpf(BPF_PROG_GET_FD_BY_ID, &get)));
    if (!old) continue;  // already gone
    union bpf_attr detach;
    std::memset(&detach, 0, sizeof(detach));
    detach.target_fd = static_cast<uint32_t>(dir.get());
    detach.attach_bpf_fd = static_cast<uint32_t>(old.get());
    detach.attach_type = BPF_CGROUP_DEVICE;
    if (Bpf(BPF_PROG_DETACH, &detach) < 0 && errno != ENOENT) {
      return ErrnoErrorf(errno, "detach old device filter program from {}", cgroup_dir);
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::cgroups

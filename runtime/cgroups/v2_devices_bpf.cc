#include "runtime/cgroups/v2_devices_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"
#include "runtime/cgroups/cgroup_fs.h"
#include "runtime/cgroups/devices.h"

namespace berth::runtime::cgroups {
namespace {

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// Context registers (see struct bpf_cgroup_dev_ctx).
constexpr uint8_t kCtx = BPF_REG_1;
constexpr uint8_t kType = BPF_REG_2;
constexpr uint8_t kAccess = BPF_REG_3;
constexpr uint8_t kMajor = BPF_REG_4;
constexpr uint8_t kMinor = BPF_REG_5;
constexpr uint8_t kScratch = BPF_REG_1;  // the context is not needed after the prologue

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn insn;
  std::memset(&insn, 0, sizeof(insn));
  insn.code = code;
  insn.dst_reg = dst & 0xf;
  insn.src_reg = src & 0xf;
  insn.off = off;
  insn.imm = imm;
  return insn;
}

bpf_insn LoadWord(uint8_t dst, int16_t offset) {
  return Insn(BPF_LDX | BPF_W | BPF_MEM, dst, kCtx, offset, 0);
}
bpf_insn Alu32Imm(uint8_t op, uint8_t dst, int32_t imm) {
  return Insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn Mov32Reg(uint8_t dst, uint8_t src) {
  return Insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn Mov64Imm(uint8_t dst, int32_t imm) {
  return Insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
bpf_insn JumpImm(uint8_t op, uint8_t dst, int32_t imm) {
  return Insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);  // offset patched later
}
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// Loads type, access, major and minor from the context into r2..r5.
std::vector<bpf_insn> Prologue() {
  return {
      LoadWord(kType, 0),  // access_type: low 16 bits type, high 16 bits access
      Alu32Imm(BPF_AND, kType, 0xffff),
      LoadWord(kAccess, 0),
      Alu32Imm(BPF_RSH, kAccess, 16),
      LoadWord(kMajor, 4),
      LoadWord(kMinor, 8),
  };
}

int32_t AccessBits(const spec::DeviceRule& rule) {
  int32_t bits = 0;
  for (char c : DeviceAccess(rule)) {
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
  }
  return bits;
}

// One rule. Jumps to the first instruction after the block mean "this rule
// does not decide the request; ask the one before it".
std::vector<bpf_insn> RuleBlock(const spec::DeviceRule& rule) {
  std::vector<bpf_insn> block;
  std::vector<size_t> to_next;
  auto skip_unless = [&](uint8_t op, uint8_t reg, int32_t imm) {
    to_next.push_back(block.size());
    block.push_back(JumpImm(op, reg, imm));
  };
  if (rule.type == "c") skip_unless(BPF_JNE, kType, BPF_DEVCG_DEV_CHAR);
  if (rule.type == "b") skip_unless(BPF_JNE, kType, BPF_DEVCG_DEV_BLOCK);
  if (rule.major) skip_unless(BPF_JNE, kMajor, static_cast<int32_t>(*rule.major));
  if (rule.minor) skip_unless(BPF_JNE, kMinor, static_cast<int32_t>(*rule.minor));
  int32_t access = AccessBits(rule);
  if (access != kAllAccess && rule.allow) {
    // These bits are allowed; the request is done once no bit is left.
    block.push_back(Alu32Imm(BPF_AND, kAccess, ~access));
    skip_unless(BPF_JNE, kAccess, 0);
  } else if (access != kAllAccess) {
    // Denied if the request asks for any of these bits.
    block.push_back(Mov32Reg(kScratch, kAccess));
    block.push_back(Alu32Imm(BPF_AND, kScratch, access));
    skip_unless(BPF_JEQ, kScratch, 0);
  }
  block.push_back(Mov64Imm(BPF_REG_0, rule.allow ? 1 : 0));
  block.push_back(Exit());
  for (size_t index : to_next) block[index].off = static_cast<int16_t>(block.size() - index - 1);
  return block;
}

long Bpf(int cmd, union bpf_attr* attr) { return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

absl::StatusOr<UniqueFd> LoadProgram(const std::vector<bpf_insn>& program) {
  static const char kLicense[] = "Apache";
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uintptr_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uintptr_t>(kLicense);
  long fd = Bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));
  int err = errno;
  // Load again with the verifier log, to say why.
  std::string log(64 * 1024, '\0');
  attr.log_level = 1;
  attr.log_size = static_cast<uint32_t>(log.size());
  attr.log_buf = reinterpret_cast<uintptr_t>(log.data());
  fd = Bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) ::close(static_cast<int>(fd));
  log.resize(std::strlen(log.c_str()));
  std::string what =
      fmt::format("load cgroup device eBPF program ({} instructions)", program.size());
  if (!log.empty()) what += fmt::format(" [verifier: {}]", TrimSpace(log));
  return CgroupErrno(err, what);
}

absl::StatusOr<UniqueFd> OpenDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return CgroupErrno(errno, fmt::format("open {}", dir));
  return fd;
}

absl::StatusOr<std::vector<uint32_t>> QueryAttached(int dir_fd, const std::string& dir) {
  for (uint32_t capacity = 64;; capacity *= 2) {
    std::vector<uint32_t> ids(capacity);
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = static_cast<uint32_t>(dir_fd);
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = reinterpret_cast<uintptr_t>(ids.data());
    attr.query.prog_cnt = capacity;
    if (Bpf(BPF_PROG_QUERY, &attr) == 0) {
      ids.resize(attr.query.prog_cnt);
      return ids;
    }
    if (errno != ENOSPC || capacity >= 65536) {
      return CgroupErrno(errno, fmt::format("query device eBPF programs of {}", dir));
    }
  }
}

absl::Status Attach(int dir_fd, int prog_fd, const std::string& dir) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.target_fd = static_cast<uint32_t>(dir_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attr) == 0) return absl::OkStatus();
  return CgroupErrno(errno, fmt::format("attach device eBPF program to {}", dir));
}

absl::Status Detach(int dir_fd, uint32_t prog_id, const std::string& dir) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_id = prog_id;
  long fd = Bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();  // already gone
    return CgroupErrno(errno, fmt::format("open device eBPF program {} of {}", prog_id, dir));
  }
  UniqueFd prog(static_cast<int>(fd));
  std::memset(&attr, 0, sizeof(attr));
  attr.target_fd = static_cast<uint32_t>(dir_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (Bpf(BPF_PROG_DETACH, &attr) == 0 || errno == ENOENT) return absl::OkStatus();
  return CgroupErrno(errno, fmt::format("detach device eBPF program {} from {}", prog_id, dir));
}

}  // namespace

absl::StatusOr<std::vector<bpf_insn>> BuildDeviceFilter(
    const std::vector<spec::DeviceRule>& rules) {
  BERTH_RETURN_IF_ERROR(ValidateDeviceRules(rules));
  std::vector<bpf_insn> program = Prologue();
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    std::vector<bpf_insn> block = RuleBlock(*it);
    program.insert(program.end(), block.begin(), block.end());
    if (IsWildcardRule(*it)) return program;  // decides every request: nothing earlier matters
  }
  program.push_back(Mov64Imm(BPF_REG_0, 0));  // no wildcard: deny by default
  program.push_back(Exit());
  return program;
}

absl::StatusOr<std::vector<uint32_t>> QueryDeviceFilters(const std::string& cgroup_dir) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir_fd, OpenDir(cgroup_dir));
  return QueryAttached(dir_fd.get(), cgroup_dir);
}

absl::Status AttachDeviceFilter(const std::string& cgroup_dir,
                                const std::vector<bpf_insn>& program) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir_fd, OpenDir(cgroup_dir));
  BERTH_ASSIGN_OR_RETURN(std::vector<uint32_t> old_ids, QueryAttached(dir_fd.get(), cgroup_dir));
  BERTH_ASSIGN_OR_RETURN(UniqueFd prog_fd, LoadProgram(program));
  absl::Status attached = Attach(dir_fd.get(), prog_fd.get(), cgroup_dir);
  if (!attached.ok() && ErrnoOf(attached) == EPERM && !old_ids.empty()) {
    return absl::Status(attached.code(),
                        fmt::format("{} (a device program attached without BPF_F_ALLOW_MULTI by "
                                    "another cgroup manager is in the way)",
                                    ToStd(attached.message())));
  }
  BERTH_RETURN_IF_ERROR(attached);
  for (uint32_t id : old_ids) BERTH_RETURN_IF_ERROR(Detach(dir_fd.get(), id, cgroup_dir));
  return absl::OkStatus();
}

}  // namespace berth::runtime::cgroups

#include "runtime/linux/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>

#include "common/logger.h"
#include "common/status.h"

namespace berth::runtime::linux {
namespace {

// Linux system calls have at most six arguments.
constexpr uint32_t kMaxSyscallArgs = 6;
// SCMP_ACT_ERRNO / SCMP_ACT_TRACE carry 16 bits of data.
constexpr uint32_t kMaxErrnoRet = 0xffff;

constexpr char kActNotify[] = "SCMP_ACT_NOTIFY";

struct ActionInfo {
  std::string_view name;
  uint32_t value;  // without the errno for ERRNO / TRACE
  bool takes_errno;
};

// As runc's `actions` (libcontainer/seccomp/config.go); SCMP_ACT_KILL is
// SCMP_ACT_KILL_THREAD.
constexpr std::array<ActionInfo, 9> kActions = {{
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
}};

struct OperatorInfo {
  std::string_view name;
  scmp_compare op;
};

constexpr std::array<OperatorInfo, 7> kOperators = {{
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {"SCMP_CMP_NE", SCMP_CMP_NE},
}};

struct ArchInfo {
  std::string_view name;
  const char* libseccomp_name;  // for seccomp_arch_resolve_name
};

// The architectures runc accepts (its `archs` map), sorted.
constexpr std::array<ArchInfo, 18> kArchs = {{
    {"SCMP_ARCH_AARCH64", "aarch64"},
    {"SCMP_ARCH_ARM", "arm"},
    {"SCMP_ARCH_LOONGARCH64", "loongarch64"},
    {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPS64", "mips64"},
    {"SCMP_ARCH_MIPS64N32", "mips64n32"},
    {"SCMP_ARCH_MIPSEL", "mipsel"},
    {"SCMP_ARCH_MIPSEL64", "mipsel64"},
    {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    {"SCMP_ARCH_PPC", "ppc"},
    {"SCMP_ARCH_PPC64", "ppc64"},
    {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_RISCV64", "riscv64"},
    {"SCMP_ARCH_S390", "s390"},
    {"SCMP_ARCH_S390X", "s390x"},
    {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_X86", "x86"},
    {"SCMP_ARCH_X86_64", "x86_64"},
}};

constexpr char kFlagTsync[] = "SECCOMP_FILTER_FLAG_TSYNC";
constexpr char kFlagSpecAllow[] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
constexpr char kFlagLog[] = "SECCOMP_FILTER_FLAG_LOG";
constexpr char kFlagWaitKillableRecv[] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";

// In runc's order (its `flags` slice).
constexpr std::array<std::string_view, 4> kFlags = {kFlagTsync, kFlagSpecAllow, kFlagLog,
                                                    kFlagWaitKillableRecv};

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define BERTH_LIBSECCOMP_HAS_WAITKILL 1
#else
#define BERTH_LIBSECCOMP_HAS_WAITKILL 0
#endif

// Syscalls that may not notify: after loading the filter the runtime sends
// the listener fd to its parent with sendmsg (and may log with write) before
// the listener has it, so nobody could answer; runc refuses write likewise.
constexpr std::array<std::string_view, 2> kNoNotifySyscalls = {"write", "sendmsg"};

template <typename Table>
auto Find(const Table& table, std::string_view name) -> const typename Table::value_type* {
  for (const auto& entry : table) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

bool IsKnownFlag(std::string_view flag) {
  return std::find(kFlags.begin(), kFlags.end(), flag) != kFlags.end();
}

template <typename Table>
std::vector<std::string> Names(const Table& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.name);
  std::sort(names.begin(), names.end());
  return names;
}

// Checks an action and its optional errno; `path` names the action member,
// `errno_path` the errno member.
absl::Status ValidateAction(const std::string& action, const std::optional<uint32_t>& errno_ret,
                            const std::string& path, const std::string& errno_path) {
  const ActionInfo* info = Find(kActions, action);
  if (info == nullptr) return InvalidArgumentf("{}: unknown action \"{}\"", path, action);
  if (errno_ret) {
    if (!info->takes_errno) {
      return InvalidArgumentf("{}: action {} does not take an errno", errno_path, action);
    }
    if (*errno_ret > kMaxErrnoRet) {
      return InvalidArgumentf("{}: {} is out of range (0-{})", errno_path, *errno_ret,
                              kMaxErrnoRet);
    }
  }
  return absl::OkStatus();
}

// The libseccomp action for `action` (already validated).
uint32_t ActionValue(const std::string& action, const std::optional<uint32_t>& errno_ret) {
  const ActionInfo* info = Find(kActions, action);
  if (!info->takes_errno) return info->value;
  return info->value | (errno_ret.value_or(EPERM) & kMaxErrnoRet);
}

// seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) fails with EFAULT when the
// kernel knows `flag` (it then tries to read the missing program) and with
// EINVAL when it does not. libseccomp probes the same way.
bool KernelAcceptsFilterFlag(unsigned long flag) {
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr);
  return rc < 0 && errno == EFAULT;
}

absl::Status SetAttr(void* ctx, scmp_filter_attr attr, uint32_t value, std::string_view what) {
  int rc = seccomp_attr_set(ctx, attr, value);
  if (rc < 0) return ErrnoErrorf(-rc, "{}", what);
  return absl::OkStatus();
}

absl::Status ApplyFlag(void* ctx, const std::string& flag, size_t index) {
  std::string what = fmt::format("linux.seccomp.flags[{}]: set {}", index, flag);
  if (flag == kFlagTsync) {
    // Only matters for multi-threaded processes; the runtime starts no
    // threads and the container's exec would end any other thread anyway.
    return absl::OkStatus();
  }
  if (flag == kFlagLog) return SetAttr(ctx, SCMP_FLTATR_CTL_LOG, 1, what);
  if (flag == kFlagSpecAllow) return SetAttr(ctx, SCMP_FLTATR_CTL_SSB, 1, what);
  if (flag == kFlagWaitKillableRecv) {
#if BERTH_LIBSECCOMP_HAS_WAITKILL
    return SetAttr(ctx, SCMP_FLTATR_CTL_WAITKILL, 1, what);
#else
    return FailedPreconditionf(
        "linux.seccomp.flags[{}]: {} is not supported by libseccomp {}.{}.{} (needs 2.6)", index,
        flag, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
#endif
  }
  return InvalidArgumentf("linux.seccomp.flags[{}]: unknown flag \"{}\"", index, flag);
}

absl::Status AddRules(void* ctx, const spec::SeccompSyscall& call, size_t index, uint32_t action,
                      bool* added_notify) {
  std::vector<scmp_arg_cmp> conditions;
  std::array<int, kMaxSyscallArgs> per_index{};
  bool repeated_index = false;
  for (const spec::SeccompArg& arg : call.args) {
    scmp_arg_cmp cmp{};
    cmp.arg = arg.index;
    cmp.op = Find(kOperators, arg.op)->op;
    cmp.datum_a = arg.value;
    cmp.datum_b = arg.value_two;
    conditions.push_back(cmp);
    if (++per_index[arg.index] > 1) repeated_index = true;
  }

  for (const std::string& name : call.names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      // Not a syscall this libseccomp knows: likely newer than it or the
      // kernel. runc ignores it too.
      log::Debugf("unknown seccomp syscall \"{}\" ignored", name);
      continue;
    }
    auto add = [&](unsigned int count, const scmp_arg_cmp* args) -> absl::Status {
      int rc = seccomp_rule_add_array(ctx, action, nr, count, args);
      if (rc < 0) {
        return ErrnoErrorf(-rc, "seccomp: add rule for syscall {} (linux.seccomp.syscalls[{}])",
                           name, index);
      }
      return absl::OkStatus();
    };
    if (conditions.empty() || !repeated_index) {
      // Unconditional, or every condition on its own argument: one rule,
      // conditions ANDed.
      BERTH_RETURN_IF_ERROR(add(static_cast<unsigned int>(conditions.size()), conditions.data()));
    } else {
      // Two conditions on the same argument could never both hold in one
      // rule; like runc ("old behaviour"), each condition is a rule.
      for (const scmp_arg_cmp& cmp : conditions) BERTH_RETURN_IF_ERROR(add(1, &cmp));
    }
    if (action == SCMP_ACT_NOTIFY) *added_notify = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Export(void* ctx, bool pfc) {
  UniqueFd fd(::memfd_create("berth-seccomp-export", MFD_CLOEXEC));
  if (!fd) return ErrnoErrorf(errno, "memfd_create");
  int rc = pfc ? seccomp_export_pfc(ctx, fd.get()) : seccomp_export_bpf(ctx, fd.get());
  if (rc < 0) return ErrnoErrorf(-rc, "seccomp: export filter as {}", pfc ? "pfc" : "bpf");
  std::string out;
  char buf[8192];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd.get(), buf, sizeof(buf), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read exported seccomp filter");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

}  // namespace

void SeccompFilter::Release::operator()(void* ctx) const { seccomp_release(ctx); }

absl::StatusOr<std::string> SeccompFilter::ExportPfc() const {
  if (!ok()) return FailedPreconditionf("seccomp: export of an empty filter");
  return Export(ctx(), /*pfc=*/true);
}

absl::StatusOr<std::string> SeccompFilter::ExportBpf() const {
  if (!ok()) return FailedPreconditionf("seccomp: export of an empty filter");
  return Export(ctx(), /*pfc=*/false);
}

std::vector<std::string> KnownSeccompActions() { return Names(kActions); }
std::vector<std::string> KnownSeccompOperators() { return Names(kOperators); }
std::vector<std::string> KnownSeccompArchitectures() { return Names(kArchs); }
std::vector<std::string> KnownSeccompFlags() { return {kFlags.begin(), kFlags.end()}; }

bool UsesNotify(const spec::Seccomp& s) {
  return std::any_of(s.syscalls.begin(), s.syscalls.end(), [](const spec::SeccompSyscall& call) {
    return call.action == kActNotify && !call.names.empty();
  });
}

absl::Status ValidateSeccomp(const spec::Seccomp& s) {
  BERTH_RETURN_IF_ERROR(ValidateAction(s.default_action, s.default_errno_ret,
                                       "linux.seccomp.defaultAction",
                                       "linux.seccomp.defaultErrnoRet"));
  if (s.default_action == kActNotify) {
    // Every syscall would wait for an agent that cannot get the fd yet.
    return InvalidArgumentf("linux.seccomp.defaultAction: {} cannot be the default action",
                            kActNotify);
  }
  for (size_t i = 0; i < s.architectures.size(); ++i) {
    if (Find(kArchs, s.architectures[i]) == nullptr) {
      return InvalidArgumentf("linux.seccomp.architectures[{}]: unknown architecture \"{}\"", i,
                              s.architectures[i]);
    }
  }
  for (size_t i = 0; i < s.flags.size(); ++i) {
    if (!IsKnownFlag(s.flags[i])) {
      return InvalidArgumentf("linux.seccomp.flags[{}]: unknown flag \"{}\"", i, s.flags[i]);
    }
  }
  if (!s.listener_metadata.empty() && s.listener_path.empty()) {
    return InvalidArgumentf("linux.seccomp.listenerMetadata: set without listenerPath");
  }

  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const spec::SeccompSyscall& call = s.syscalls[i];
    std::string path = fmt::format("linux.seccomp.syscalls[{}]", i);
    BERTH_RETURN_IF_ERROR(
        ValidateAction(call.action, call.errno_ret, path + ".action", path + ".errnoRet"));
    for (size_t j = 0; j < call.names.size(); ++j) {
      if (call.names[j].empty())
        return InvalidArgumentf("{}.names[{}]: empty syscall name", path, j);
    }
    for (size_t k = 0; k < call.args.size(); ++k) {
      const spec::SeccompArg& arg = call.args[k];
      if (arg.index >= kMaxSyscallArgs) {
        return InvalidArgumentf("{}.args[{}].index: {} is out of range (0-{})", path, k, arg.index,
                                kMaxSyscallArgs - 1);
      }
      if (Find(kOperators, arg.op) == nullptr) {
        return InvalidArgumentf("{}.args[{}].op: unknown operator \"{}\"", path, k, arg.op);
      }
    }
    if (call.action != kActNotify) continue;
    for (size_t j = 0; j < call.names.size(); ++j) {
      if (std::find(kNoNotifySyscalls.begin(), kNoNotifySyscalls.end(), call.names[j]) !=
          kNoNotifySyscalls.end()) {
        return InvalidArgumentf("{}.names[{}]: {} cannot be used for the {} syscall", path, j,
                                kActNotify, call.names[j]);
      }
    }
    if (s.listener_path.empty()) {
      return InvalidArgumentf("{}.action: {} needs linux.seccomp.listenerPath", path, kActNotify);
    }
  }
  if (UsesNotify(s) && s.listener_path.front() != '/') {
    return InvalidArgumentf("linux.seccomp.listenerPath: must be an absolute path, got \"{}\"",
                            s.listener_path);
  }
  return absl::OkStatus();
}

absl::StatusOr<SeccompFilter> BuildSeccompFilter(const spec::Seccomp& s) {
  BERTH_RETURN_IF_ERROR(ValidateSeccomp(s));
  const uint32_t default_action = ActionValue(s.default_action, s.default_errno_ret);

  if (UsesNotify(s)) {
    unsigned int api = seccomp_api_get();
    if (api < 6) {
      return FailedPreconditionf(
          "seccomp notify unsupported: libseccomp API level {}, need at least 6 "
          "(libseccomp >= 2.5.0 and Linux >= 5.7)",
          api);
    }
  }

  void* raw = seccomp_init(default_action);
  if (raw == nullptr) {
    return Internalf("seccomp_init with default action {} failed", s.default_action);
  }
  SeccompFilter filter(raw, /*uses_notify=*/false);

  // The native architecture is in every new filter; add the others.
  for (size_t i = 0; i < s.architectures.size(); ++i) {
    const ArchInfo* arch = Find(kArchs, s.architectures[i]);
    uint32_t token = seccomp_arch_resolve_name(arch->libseccomp_name);
    if (token == 0) {
      return FailedPreconditionf(
          "linux.seccomp.architectures[{}]: {} is not supported by libseccomp {}.{}.{}", i,
          arch->name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
    }
    int rc = seccomp_arch_add(raw, token);
    if (rc < 0 && rc != -EEXIST) {
      return ErrnoErrorf(-rc, "seccomp: add architecture {} (linux.seccomp.architectures[{}])",
                         arch->name, i);
    }
  }

  for (size_t i = 0; i < s.flags.size(); ++i) BERTH_RETURN_IF_ERROR(ApplyFlag(raw, s.flags[i], i));

  // runc enables the binary tree for long rule sets only: libseccomp <= 2.5.4
  // misbehaves with the optimization and no rules.
  size_t rule_count = 0;
  for (const spec::SeccompSyscall& call : s.syscalls) rule_count += call.names.size();
  if (rule_count > 32) {
    int rc = seccomp_attr_set(raw, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0) log::Debugf("seccomp binary tree optimization not available: {}", -rc);
  }
  // The runtime sets no_new_privs itself when the spec asks for it.
  BERTH_RETURN_IF_ERROR(
      SetAttr(raw, SCMP_FLTATR_CTL_NNP, 0, "seccomp: clear the no_new_privs attribute"));
  // Report the kernel's errno from seccomp_load rather than ECANCELED.
  if (int rc = seccomp_attr_set(raw, SCMP_FLTATR_API_SYSRAWRC, 1); rc < 0) {
    log::Debugf("seccomp: raw kernel return codes not available: {}", -rc);
  }

  bool added_notify = false;
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const spec::SeccompSyscall& call = s.syscalls[i];
    uint32_t action = ActionValue(call.action, call.errno_ret);
    // libseccomp refuses rules that repeat the default action; they change
    // nothing, so skip them as runc does.
    if (action == default_action) continue;
    BERTH_RETURN_IF_ERROR(AddRules(raw, call, i, action, &added_notify));
  }
  filter.uses_notify_ = added_notify;
  return filter;
}

absl::StatusOr<UniqueFd> LoadSeccompFilter(SeccompFilter& f) {
  if (!f.ok()) return FailedPreconditionf("seccomp: load of an empty filter");
  int rc = seccomp_load(f.ctx());
  if (rc < 0) {
    if (rc == -EACCES) {
      return ErrnoErrorf(-rc,
                         "load seccomp filter (no_new_privs is not set and CAP_SYS_ADMIN "
                         "is not in the effective set)");
    }
    return ErrnoErrorf(-rc, "load seccomp filter");
  }
  if (!f.uses_notify()) return UniqueFd();
  int fd = seccomp_notify_fd(f.ctx());
  if (fd < 0) return ErrnoErrorf(-fd, "seccomp: get the notify listener fd");
  return UniqueFd(fd);
}

std::vector<std::string> SupportedSeccompFlags() {
  unsigned int api = seccomp_api_get();
  std::vector<std::string> supported;
  for (std::string_view flag : kFlags) {
    bool ok = false;
    if (flag == kFlagTsync) {
      ok = true;  // accepted and ignored, see ApplyFlag
    } else if (flag == kFlagLog) {
      ok = api >= 3 && KernelAcceptsFilterFlag(SECCOMP_FILTER_FLAG_LOG);
    } else if (flag == kFlagSpecAllow) {
      ok = api >= 4 && KernelAcceptsFilterFlag(SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    } else if (flag == kFlagWaitKillableRecv) {
      ok = BERTH_LIBSECCOMP_HAS_WAITKILL && api >= 7 &&
           KernelAcceptsFilterFlag(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    if (ok) supported.emplace_back(flag);
  }
  return supported;
}

std::string LibseccompVersion() {
  const scmp_version* v = seccomp_version();
  if (v == nullptr) return "";
  return fmt::format("{}.{}.{}", v->major, v->minor, v->micro);
}

json::Json SeccompFeatures() {
  json::Json j = json::Json::object();
  j["enabled"] = true;
  j["actions"] = KnownSeccompActions();
  j["operators"] = KnownSeccompOperators();
  j["archs"] = KnownSeccompArchitectures();
  j["knownFlags"] = KnownSeccompFlags();
  j["supportedFlags"] = SupportedSeccompFlags();
  return j;
}

}  // namespace berth::runtime::linux

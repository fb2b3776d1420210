#include "runtime/linux/seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {
namespace {

constexpr unsigned kMaxArgs = 6;

struct NamedAction {
  std::string_view name;
  uint32_t action;  // without an errno / trace value
};

constexpr NamedAction kActions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

struct NamedOp {
  std::string_view name;
  scmp_compare op;
};

constexpr NamedOp kOps[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

constexpr std::string_view kArchs[] = {
    "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",        "SCMP_ARCH_MIPS64",  "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64",    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",    "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64",
};

struct NamedFlag {
  std::string_view name;
  unsigned long kernel_flag;
};

constexpr NamedFlag kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1UL << 5},
};

// The runtime itself uses these to hand the notify fd over; notifying on
// them would wait on a listener that has not got the fd yet.
constexpr std::string_view kNoNotify[] = {"sendmsg", "recvmsg", "close", "exit", "exit_group"};

const NamedAction* FindAction(std::string_view name) {
  for (const NamedAction& a : kActions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const NamedOp* FindOp(std::string_view name) {
  for (const NamedOp& o : kOps) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

// "SCMP_ARCH_X86_64" -> libseccomp's "x86_64".
std::string LibseccompArchName(std::string_view arch) {
  std::string out;
  for (char c : arch.substr(std::string_view("SCMP_ARCH_").size())) {
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

uint32_t ActionValue(const NamedAction& a, std::optional<uint32_t> errno_ret) {
  if (a.action == SCMP_ACT_ERRNO(0)) return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
  if (a.action == SCMP_ACT_TRACE(0)) return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
  return a.action;
}

absl::Status SetFlag(scmp_filter_ctx ctx, const std::string& flag) {
  int rc = 0;
  if (flag == "SECCOMP_FILTER_FLAG_TSYNC") {
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  } else if (flag == "SECCOMP_FILTER_FLAG_LOG") {
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
  } else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
  } else {
    return InvalidArgumentf("linux.seccomp.flags: {} is not supported by libseccomp {}", flag,
                            seccomp_version()->minor);
  }
  if (rc < 0) return ErrnoErrorf(-rc, "seccomp flag {}", flag);
  return absl::OkStatus();
}

absl::Status AddSyscallRule(scmp_filter_ctx ctx, const spec::SeccompSyscall& call,
                            const std::string& name, uint32_t default_action) {
  uint32_t action = ActionValue(*FindAction(call.action), call.errno_ret);
  // Same as the default: redundant, and libseccomp refuses it.
  if (action == default_action) return absl::OkStatus();
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) {
    log::Debugf("unknown seccomp syscall {:?} ignored", name);
    return absl::OkStatus();
  }
  std::vector<scmp_arg_cmp> conditions;
  unsigned counts[kMaxArgs] = {};
  for (const spec::SeccompArg& arg : call.args) {
    scmp_arg_cmp cmp = {};
    cmp.arg = arg.index;
    cmp.op = FindOp(arg.op)->op;
    cmp.datum_a = arg.value;
    cmp.datum_b = arg.value_two;
    ++counts[arg.index];
    conditions.push_back(cmp);
  }
  bool repeated_index = false;
  for (unsigned c : counts) repeated_index = repeated_index || c > 1;
  int rc;
  if (conditions.empty()) {
    rc = seccomp_rule_add_array(ctx, action, nr, 0, nullptr);
  } else if (repeated_index) {
    // libseccomp cannot AND two conditions on one argument: as runc does,
    // each condition becomes its own rule (ORed).
    for (const scmp_arg_cmp& cmp : conditions) {
      rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmp);
      if (rc < 0) return ErrnoErrorf(-rc, "seccomp rule for {}", name);
    }
    return absl::OkStatus();
  } else {
    rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conditions.size()),
                                conditions.data());
  }
  if (rc < 0) return ErrnoErrorf(-rc, "seccomp rule for {}", name);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSeccomp(const spec::Seccomp& s) {
  if (!FindAction(s.default_action)) {
    return InvalidArgumentf("linux.seccomp.defaultAction: unknown action {:?}", s.default_action);
  }
  if (s.default_action == "SCMP_ACT_NOTIFY") {
    return InvalidArgumentf("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
  }
  for (size_t i = 0; i < s.architectures.size(); ++i) {
    bool known = false;
    for (std::string_view a : kArchs) known = known || a == s.architectures[i];
    if (!known) {
      return InvalidArgumentf("linux.seccomp.architectures[{}]: unknown architecture {:?}", i,
                              s.architectures[i]);
    }
  }
  for (size_t i = 0; i < s.flags.size(); ++i) {
    bool known = false;
    for (const NamedFlag& f : kFlags) known = known || f.name == s.flags[i];
    if (!known) {
      return InvalidArgumentf("linux.seccomp.flags[{}]: unknown flag {:?}", i, s.flags[i]);
    }
  }
  if (!s.listener_path.empty() && s.listener_path[0] != '/') {
    return InvalidArgumentf("linux.seccomp.listenerPath: {:?} is not absolute", s.listener_path);
  }
  bool notify = false;
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const spec::SeccompSyscall& call = s.syscalls[i];
    std::string path = fmt::format("linux.seccomp.syscalls[{}]", i);
    if (!FindAction(call.action)) {
      return InvalidArgumentf("{}.action: unknown action {:?}", path, call.action);
    }
    if (call.names.empty()) return InvalidArgumentf("{}.names: must not be empty", path);
    for (const std::string& name : call.names) {
      if (name.empty()) return InvalidArgumentf("{}.names: empty syscall name", path);
      if (call.action == "SCMP_ACT_NOTIFY") {
        for (std::string_view forbidden : kNoNotify) {
          if (name == forbidden) {
            return InvalidArgumentf("{}: SCMP_ACT_NOTIFY on {} would deadlock the runtime", path,
                                    name);
          }
        }
      }
    }
    for (size_t j = 0; j < call.args.size(); ++j) {
      if (call.args[j].index >= kMaxArgs) {
        return InvalidArgumentf("{}.args[{}].index: {} is not below {}", path, j,
                                call.args[j].index, kMaxArgs);
      }
      if (!FindOp(call.args[j].op)) {
        return InvalidArgumentf("{}.args[{}].op: unknown operator {:?}", path, j, call.args[j].op);
      }
    }
    notify = notify || call.action == "SCMP_ACT_NOTIFY";
  }
  if (notify && s.listener_path.empty()) {
    return InvalidArgumentf("linux.seccomp: SCMP_ACT_NOTIFY rules need a listenerPath");
  }
  return absl::OkStatus();
}

bool UsesNotify(const spec::Seccomp& s) {
  for (const spec::SeccompSyscall& call : s.syscalls) {
    if (call.action == "SCMP_ACT_NOTIFY") return true;
  }
  return false;
}

SeccompFilter& SeccompFilter::operator=(SeccompFilter&& other) noexcept {
  if (this != &other) {
    if (ctx_ != nullptr) seccomp_release(ctx_);
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

SeccompFilter::~SeccompFilter() {
  if (ctx_ != nullptr) seccomp_release(ctx_);
}

std::string SeccompFilter::ExportPfc() const {
  char* buf = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&buf, &size);
  if (f == nullptr) return "";
  seccomp_export_pfc(ctx_, fileno(f));
  fclose(f);
  std::string out(buf, size);
  free(buf);
  return out;
}

absl::StatusOr<SeccompFilter> BuildSeccompFilter(const spec::Seccomp& s) {
  BERTH_RETURN_IF_ERROR(ValidateSeccomp(s));
  uint32_t default_action = ActionValue(*FindAction(s.default_action), s.default_errno_ret);
  SeccompFilter filter(seccomp_init(default_action));
  if (filter.ctx() == nullptr) return Internalf("seccomp_init failed");
  for (const std::string& arch : s.architectures) {
    std::string name = LibseccompArchName(arch);
    uint32_t token = seccomp_arch_resolve_name(name.c_str());
    if (token == 0) return InvalidArgumentf("linux.seccomp: libseccomp does not know {}", arch);
    int rc = seccomp_arch_add(filter.ctx(), token);
    if (rc < 0 && rc != -EEXIST) return ErrnoErrorf(-rc, "seccomp architecture {}", arch);
  }
  for (const std::string& flag : s.flags) BERTH_RETURN_IF_ERROR(SetFlag(filter.ctx(), flag));
  // The runtime sets no_new_privs itself, only when the config asks.
  if (int rc = seccomp_attr_set(filter.ctx(), SCMP_FLTATR_CTL_NNP, 0); rc < 0) {
    return ErrnoErrorf(-rc, "seccomp no_new_privs attribute");
  }
  for (const spec::SeccompSyscall& call : s.syscalls) {
    for (const std::string& name : call.names) {
      BERTH_RETURN_IF_ERROR(AddSyscallRule(filter.ctx(), call, name, default_action));
    }
  }
  return filter;
}

absl::StatusOr<UniqueFd> LoadSeccompFilter(SeccompFilter& filter) {
  if (int rc = seccomp_load(filter.ctx()); rc < 0) return ErrnoErrorf(-rc, "load seccomp filter");
  // The kernel makes the listener fd close-on-exec, so it never reaches
  // the container's program.
  int fd = seccomp_notify_fd(filter.ctx());
  if (fd < 0) return UniqueFd();
  return UniqueFd(fd);
}

absl::Status SendSeccompListenerFd(const std::string& listener_path, int seccomp_fd, pid_t pid,
                                   const std::string& metadata, const json::Json& state) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (listener_path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgumentf("seccomp listenerPath {} is too long", listener_path);
  }
  std::memcpy(addr.sun_path, listener_path.c_str(), listener_path.size() + 1);
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return ErrnoErrorf(errno, "socket");
  if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) < 0) {
    return ErrnoErrorf(errno, "connect to seccomp listener {}", listener_path);
  }
  json::Json message = {{"ociVersion", spec::kOciVersion},
                        {"fds", {"seccompFd"}},
                        {"pid", pid},
                        {"state", state}};
  if (!metadata.empty()) message["metadata"] = metadata;
  std::string payload = json::Dump(message);
  struct iovec iov = {payload.data(), payload.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &seccomp_fd, sizeof(int));
  ssize_t n;
  do {
    n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoErrorf(errno, "send seccomp fd to {}", listener_path);
  return absl::OkStatus();
}

json::Json SeccompFeatures() {
  json::Json actions = json::Json::array();
  for (const NamedAction& a : kActions) actions.push_back(a.name);
  json::Json ops = json::Json::array();
  for (const NamedOp& o : kOps) ops.push_back(o.name);
  json::Json archs = json::Json::array();
  for (std::string_view a : kArchs) {
    if (seccomp_arch_resolve_name(LibseccompArchName(a).c_str()) != 0) archs.push_back(a);
  }
  json::Json known = json::Json::array();
  json::Json supported = json::Json::array();
  for (const NamedFlag& f : kFlags) {
    known.push_back(f.name);
    if (f.name == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") continue;  // libseccomp 2.5 lacks it
    // The kernel answers EFAULT for a known flag with a NULL program.
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f.kernel_flag, nullptr);
    if (rc < 0 && errno == EFAULT) supported.push_back(f.name);
  }
  return {{"enabled", true},       {"actions", actions},    {"operators", ops},
          {"archs", archs},        {"knownFlags", known},   {"supportedFlags", supported}};
}

}  // namespace berth::runtime::linux

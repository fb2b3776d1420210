#include "runtime/linux/process_attrs.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::linux {
namespace {

struct RlimitName {
  std::string_view name;
  int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

std::optional<int> RlimitResource(std::string_view name) {
  for (const RlimitName& r : kRlimits) {
    if (r.name == name) return r.resource;
  }
  return std::nullopt;
}

struct PolicyName {
  std::string_view name;
  int policy;
};

constexpr PolicyName kPolicies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO},   {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_ISO", 4},             {"SCHED_IDLE", SCHED_IDLE},
    {"SCHED_DEADLINE", 6},
};

struct SchedFlagName {
  std::string_view name;
  uint64_t flag;
};

constexpr SchedFlagName kSchedFlags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

// struct sched_attr from the kernel uapi (glibc 2.36 does not declare it).
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

constexpr int kIoprioClassShift = 13;

std::optional<int> IoPriorityClass(std::string_view name) {
  if (name == "IOPRIO_CLASS_RT") return 1;
  if (name == "IOPRIO_CLASS_BE") return 2;
  if (name == "IOPRIO_CLASS_IDLE") return 3;
  return std::nullopt;
}

}  // namespace

absl::Status ValidateRlimits(const std::vector<spec::Rlimit>& rlimits) {
  std::vector<std::string> seen;
  for (size_t i = 0; i < rlimits.size(); ++i) {
    const spec::Rlimit& r = rlimits[i];
    if (!RlimitResource(r.type)) {
      return InvalidArgumentf("process.rlimits[{}].type: unknown rlimit {:?}", i, r.type);
    }
    if (r.soft > r.hard) {
      return InvalidArgumentf("process.rlimits[{}]: soft limit {} exceeds hard limit {} for {}", i,
                              r.soft, r.hard, r.type);
    }
    for (const std::string& s : seen) {
      if (s == r.type) return InvalidArgumentf("process.rlimits[{}]: {} given twice", i, r.type);
    }
    seen.push_back(r.type);
  }
  return absl::OkStatus();
}

absl::Status ValidateScheduler(const spec::Scheduler& s) {
  bool known = false;
  for (const PolicyName& p : kPolicies) known = known || p.name == s.policy;
  if (!known) return InvalidArgumentf("process.scheduler.policy: unknown policy {:?}", s.policy);
  for (const std::string& f : s.flags) {
    bool flag_known = false;
    for (const SchedFlagName& n : kSchedFlags) flag_known = flag_known || n.name == f;
    if (!flag_known) return InvalidArgumentf("process.scheduler.flags: unknown flag {:?}", f);
  }
  if (s.nice < -20 || s.nice > 19) {
    return InvalidArgumentf("process.scheduler.nice: {} is outside -20..19", s.nice);
  }
  return absl::OkStatus();
}

absl::Status ValidateIoPriority(const spec::IoPriority& p) {
  if (!IoPriorityClass(p.io_class)) {
    return InvalidArgumentf("process.ioPriority.class: unknown class {:?}", p.io_class);
  }
  if (p.priority < 0 || p.priority > 7) {
    return InvalidArgumentf("process.ioPriority.priority: {} is outside 0..7", p.priority);
  }
  return absl::OkStatus();
}

absl::Status ValidatePersonality(const spec::Personality& p) {
  if (p.domain != "LINUX" && p.domain != "LINUX32") {
    return InvalidArgumentf("linux.personality.domain: unknown domain {:?} (LINUX or LINUX32)",
                            p.domain);
  }
  if (!p.flags.empty()) {
    return InvalidArgumentf("linux.personality.flags: no flags are supported, got {:?}",
                            p.flags[0]);
  }
  return absl::OkStatus();
}

absl::Status ApplyRlimits(const std::vector<spec::Rlimit>& rlimits) {
  for (const spec::Rlimit& r : rlimits) {
    std::optional<int> resource = RlimitResource(r.type);
    if (!resource) return InvalidArgumentf("unknown rlimit {:?}", r.type);
    struct rlimit limit = {r.soft, r.hard};
    if (::prlimit(0, static_cast<__rlimit_resource>(*resource), &limit, nullptr) < 0) {
      return ErrnoErrorf(errno, "set {} to soft {} hard {}", r.type, r.soft, r.hard);
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyOomScoreAdj(int value) {
  return WithContext(WriteExistingFile("/proc/self/oom_score_adj", std::to_string(value)),
                     fmt::format("set oom_score_adj to {}", value));
}

absl::Status ApplyPersonality(const spec::Personality& p) {
  unsigned long persona = p.domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
  if (::personality(persona) < 0) return ErrnoErrorf(errno, "personality {}", p.domain);
  return absl::OkStatus();
}

absl::Status ApplyScheduler(const spec::Scheduler& s) {
  SchedAttr attr = {};
  attr.size = sizeof(attr);
  for (const PolicyName& p : kPolicies) {
    if (p.name == s.policy) attr.sched_policy = static_cast<uint32_t>(p.policy);
  }
  for (const std::string& f : s.flags) {
    for (const SchedFlagName& n : kSchedFlags) {
      if (n.name == f) attr.sched_flags |= n.flag;
    }
  }
  attr.sched_nice = s.nice;
  attr.sched_priority = static_cast<uint32_t>(s.priority);
  attr.sched_runtime = s.runtime;
  attr.sched_deadline = s.deadline;
  attr.sched_period = s.period;
  if (::syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
    return ErrnoErrorf(errno, "sched_setattr policy {}", s.policy);
  }
  return absl::OkStatus();
}

absl::Status ApplyIoPriority(const spec::IoPriority& p) {
  std::optional<int> io_class = IoPriorityClass(p.io_class);
  if (!io_class) return InvalidArgumentf("unknown I/O priority class {:?}", p.io_class);
  int value = (*io_class << kIoprioClassShift) | p.priority;
  constexpr int kIoprioWhoProcess = 1;
  if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, value) < 0) {
    return ErrnoErrorf(errno, "ioprio_set {} {}", p.io_class, p.priority);
  }
  return absl::OkStatus();
}

absl::Status ApplySysctls(const std::map<std::string, std::string>& sysctls) {
  for (const auto& [key, value] : sysctls) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    BERTH_RETURN_IF_ERROR(
        WithContext(WriteExistingFile(path, value), fmt::format("set sysctl {}", key)));
  }
  return absl::OkStatus();
}

absl::Status SetHostname(const std::string& hostname) {
  if (::sethostname(hostname.data(), hostname.size()) < 0) {
    return ErrnoErrorf(errno, "sethostname {:?}", hostname);
  }
  return absl::OkStatus();
}

absl::Status SetDomainname(const std::string& domainname) {
  if (::setdomainname(domainname.data(), domainname.size()) < 0) {
    return ErrnoErrorf(errno, "setdomainname {:?}", domainname);
  }
  return absl::OkStatus();
}

absl::Status JoinSessionKeyring(const std::string& id) {
  std::string name = "_ses." + id;
  long serial = ::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.c_str());
  if (serial < 0) {
    // Kernels without keyrings (or seccomp'd hosts) just run without one.
    if (errno == ENOSYS || errno == EACCES) return absl::OkStatus();
    return ErrnoErrorf(errno, "join session keyring {}", name);
  }
  // possessor: all; user: view, read, write, search, link (runc's mask).
  constexpr unsigned long kPerm = 0x3f010000;
  if (::syscall(SYS_keyctl, KEYCTL_SETPERM, serial, kPerm) < 0) {
    return ErrnoErrorf(errno, "set permissions of session keyring {}", name);
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

#include "runtime/linux/capabilities.h"

#include <errno.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::linux {
namespace {

// Index = capability number (include/uapi/linux/capability.h).
constexpr std::string_view kNames[] = {
    "CAP_CHOWN",            "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",           "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",          "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",        "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",       "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",        "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",     "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",            "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",     "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",    "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
constexpr int kKnown = static_cast<int>(std::size(kNames));

struct CapFree {
  void operator()(cap_t caps) const { cap_free(caps); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

bool Contains(const std::vector<int>& set, int cap) {
  return std::find(set.begin(), set.end(), cap) != set.end();
}

absl::Status Resolve(const std::vector<std::string>& names, const char* set_name, int last,
                     std::vector<int>* out) {
  for (const std::string& name : names) {
    std::optional<int> cap = CapabilityFromName(name);
    if (!cap) {
      return InvalidArgumentf("process.capabilities.{}: unknown capability {:?}", set_name, name);
    }
    if (*cap > last) {
      log::Warnf("capability {} is not supported by this kernel; ignoring it", name);
      continue;
    }
    if (!Contains(*out, *cap)) out->push_back(*cap);
  }
  return absl::OkStatus();
}

absl::Status SetFlag(cap_t caps, cap_flag_t flag, const std::vector<int>& set) {
  if (set.empty()) return absl::OkStatus();
  std::vector<cap_value_t> values(set.begin(), set.end());
  if (cap_set_flag(caps, flag, static_cast<int>(values.size()), values.data(), CAP_SET) < 0) {
    return ErrnoErrorf(errno, "cap_set_flag");
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<int> CapabilityFromName(std::string_view name) {
  for (int i = 0; i < kKnown; ++i) {
    if (kNames[i] == name) return i;
  }
  return std::nullopt;
}

int LastCapability() {
  static int last = [] {
    absl::StatusOr<std::string> text = ReadFile("/proc/sys/kernel/cap_last_cap");
    if (!text.ok()) return kKnown - 1;
    return static_cast<int>(ParseInt64(TrimSpace(*text)).value_or(kKnown - 1));
  }();
  return last;
}

std::vector<std::string> AllCapabilityNames() {
  std::vector<std::string> names;
  int last = std::min(LastCapability(), kKnown - 1);
  for (int i = 0; i <= last; ++i) names.emplace_back(kNames[i]);
  return names;
}

absl::StatusOr<CapabilitySets> ResolveCapabilities(const spec::Capabilities& caps) {
  int last = LastCapability();
  CapabilitySets sets;
  BERTH_RETURN_IF_ERROR(Resolve(caps.bounding, "bounding", last, &sets.bounding));
  BERTH_RETURN_IF_ERROR(Resolve(caps.effective, "effective", last, &sets.effective));
  BERTH_RETURN_IF_ERROR(Resolve(caps.inheritable, "inheritable", last, &sets.inheritable));
  BERTH_RETURN_IF_ERROR(Resolve(caps.permitted, "permitted", last, &sets.permitted));
  BERTH_RETURN_IF_ERROR(Resolve(caps.ambient, "ambient", last, &sets.ambient));
  return sets;
}

absl::Status DropBoundingSet(const CapabilitySets& sets) {
  int last = LastCapability();
  for (int cap = 0; cap <= last; ++cap) {
    if (Contains(sets.bounding, cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
      return ErrnoErrorf(errno, "drop {} from the bounding set",
                         cap < kKnown ? kNames[cap] : std::string_view("capability"));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyCapabilities(const CapabilitySets& sets) {
  CapPtr caps(cap_init());
  if (!caps) return ErrnoErrorf(errno, "cap_init");
  BERTH_RETURN_IF_ERROR(SetFlag(caps.get(), CAP_EFFECTIVE, sets.effective));
  BERTH_RETURN_IF_ERROR(SetFlag(caps.get(), CAP_PERMITTED, sets.permitted));
  BERTH_RETURN_IF_ERROR(SetFlag(caps.get(), CAP_INHERITABLE, sets.inheritable));
  if (cap_set_proc(caps.get()) < 0) return ErrnoErrorf(errno, "set process capabilities");
  if (cap_reset_ambient() < 0 && errno != EINVAL) return ErrnoErrorf(errno, "clear ambient set");
  for (int cap : sets.ambient) {
    // The kernel only raises ambient caps that are permitted and
    // inheritable; runc's own default spec lists ambient caps without
    // inheritable ones, and runc ignores the failure, so do we (visible
    // with --debug).
    if (cap_set_ambient(cap, CAP_SET) < 0) {
      log::Debugf("cannot raise ambient capability {} (needs permitted and inheritable): {}",
                 cap < kKnown ? kNames[cap] : std::string_view("?"), std::strerror(errno));
    }
  }
  return absl::OkStatus();
}

absl::Status SwitchUserKeepingCaps(uid_t uid, gid_t gid, const std::vector<uint32_t>& groups,
                                   const CapabilitySets& sets) {
  BERTH_RETURN_IF_ERROR(DropBoundingSet(sets));
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return ErrnoErrorf(errno, "set keepcaps");
  std::vector<gid_t> gids(groups.begin(), groups.end());
  if (::setgroups(gids.size(), gids.data()) < 0) {
    // In a user namespace with setgroups denied, only an empty list is moot.
    absl::StatusOr<std::string> setgroups = ReadFile("/proc/self/setgroups");
    bool denied = setgroups.ok() && TrimSpace(*setgroups) == "deny";
    if (!(denied && gids.empty())) {
      return ErrnoErrorf(errno, "setgroups {} groups{}", gids.size(),
                         denied ? " (setgroups is denied in this user namespace)" : "");
    }
  }
  if (::setresgid(gid, gid, gid) < 0) return ErrnoErrorf(errno, "setresgid {}", gid);
  if (::setresuid(uid, uid, uid) < 0) return ErrnoErrorf(errno, "setresuid {}", uid);
  BERTH_RETURN_IF_ERROR(ApplyCapabilities(sets));
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return ErrnoErrorf(errno, "clear keepcaps");
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

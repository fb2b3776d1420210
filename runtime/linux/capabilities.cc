#include "runtime/linux/capabilities.h"

#include <errno.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <type_traits>

#include "absl/cleanup/cleanup.h"
#include "common/capability_names.h"
#include "common/file_util.h"
#include "common/logger.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::linux {
namespace {

// libcap allocations (cap_t, names) are released with cap_free.
struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};
using UniqueCap = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;
using UniqueCapText = std::unique_ptr<char, CapFree>;

// "CAP_" then an upper-case letter, then upper-case letters, digits and '_'.
bool IsCanonicalForm(std::string_view name) {
  constexpr std::string_view kPrefix = "CAP_";
  if (name.size() <= kPrefix.size() || name.substr(0, kPrefix.size()) != kPrefix) return false;
  if (name[kPrefix.size()] < 'A' || name[kPrefix.size()] > 'Z') return false;
  return std::all_of(name.begin() + kPrefix.size(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string Name(int cap) {
  return CapabilityName(cap).value_or(fmt::format("capability {}", cap));
}

bool Contains(const std::vector<int>& set, int cap) {
  return std::find(set.begin(), set.end(), cap) != set.end();
}

absl::StatusOr<std::vector<int>> ResolveSet(std::string_view set_name,
                                            const std::vector<std::string>& names, int last_cap,
                                            std::vector<std::string>* unsupported) {
  std::vector<int> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    std::optional<int> cap = CapabilityFromName(name);
    if (!cap) {
      std::string upper = ToUpper(name);
      if (upper.rfind("CAP_", 0) != 0) upper = "CAP_" + upper;
      if (CapabilityFromName(upper)) {
        return InvalidArgumentf(
            "process.capabilities.{}: unknown capability \"{}\" (names are upper-case: \"{}\")",
            set_name, name, upper);
      }
      return InvalidArgumentf("process.capabilities.{}: unknown capability \"{}\"", set_name, name);
    }
    if (*cap > last_cap) {
      if (std::find(unsupported->begin(), unsupported->end(), name) == unsupported->end()) {
        unsupported->push_back(name);
      }
      continue;
    }
    if (!Contains(out, *cap)) out.push_back(*cap);
  }
  return out;
}

absl::Status SetFlag(cap_t caps, cap_flag_t flag, const std::vector<int>& set) {
  if (set.empty()) return absl::OkStatus();
  std::vector<cap_value_t> values(set.begin(), set.end());
  if (cap_set_flag(caps, flag, static_cast<int>(values.size()), values.data(), CAP_SET) != 0) {
    return ErrnoErrorf(errno, "cap_set_flag");
  }
  return absl::OkStatus();
}

// After capset failed with EPERM: the requested capabilities this process
// no longer has in its permitted set, which is the usual cause.
std::string MissingFromPermitted(const CapabilitySets& sets) {
  UniqueCap current(cap_get_proc());
  if (!current) return "";
  std::vector<std::string> missing;
  for (const std::vector<int>* set : {&sets.permitted, &sets.effective}) {
    for (int cap : *set) {
      cap_flag_value_t value = CAP_CLEAR;
      if (cap_get_flag(current.get(), cap, CAP_PERMITTED, &value) == 0 && value == CAP_SET) {
        continue;
      }
      std::string name = Name(cap);
      if (std::find(missing.begin(), missing.end(), name) == missing.end()) missing.push_back(name);
    }
  }
  if (missing.empty()) return "";
  return fmt::format(" (not in the current permitted set: {})", Join(missing, ", "));
}

}  // namespace

int LastCapability() {
  static const int last = [] {
    absl::StatusOr<std::string> text = ReadFile("/proc/sys/kernel/cap_last_cap");
    if (text.ok()) {
      std::optional<int64_t> value = ParseInt64(TrimSpace(*text));
      if (value && *value >= 0 && *value < 64) return static_cast<int>(*value);
    }
    // No /proc: PR_CAPBSET_READ fails with EINVAL past the last capability.
    int cap = 0;
    while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0) ++cap;
    return cap;
  }();
  return last;
}

std::optional<std::string> CapabilityName(int cap) {
  if (cap < 0) return std::nullopt;
  if (static_cast<size_t>(cap) < kCapabilityNames.size()) {
    return std::string(kCapabilityNames[static_cast<size_t>(cap)]);
  }
  UniqueCapText text(cap_to_name(cap));
  if (!text) return std::nullopt;
  std::string_view name(text.get());
  // libcap spells capabilities it does not know as their number.
  if (name.substr(0, 4) != "cap_") return std::nullopt;
  return ToUpper(name);
}

std::optional<int> CapabilityFromName(std::string_view name) {
  if (!IsCanonicalForm(name)) return std::nullopt;
  std::string copy(name);
  cap_value_t value = 0;
  // libcap is lenient (case, trailing text, lists); keep only an exact
  // round trip through the canonical name.
  if (cap_from_name(copy.c_str(), &value) == 0 && CapabilityName(value) == copy) {
    return static_cast<int>(value);
  }
  for (size_t i = 0; i < kCapabilityNames.size(); ++i) {
    if (kCapabilityNames[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::vector<std::string> AllCapabilityNames() {
  std::vector<std::string> names;
  int last = LastCapability();
  for (int cap = 0; cap <= last; ++cap) {
    if (std::optional<std::string> name = CapabilityName(cap)) names.push_back(std::move(*name));
  }
  return names;
}

json::Json CapabilityFeatures() { return json::Json(AllCapabilityNames()); }

absl::StatusOr<CapabilitySets> ResolveCapabilities(const spec::Capabilities& caps) {
  return ResolveCapabilities(caps, LastCapability());
}

absl::StatusOr<CapabilitySets> ResolveCapabilities(const spec::Capabilities& caps, int last) {
  CapabilitySets sets;
  std::vector<std::string> unsupported;
  BERTH_ASSIGN_OR_RETURN(sets.bounding, ResolveSet("bounding", caps.bounding, last, &unsupported));
  BERTH_ASSIGN_OR_RETURN(sets.effective,
                         ResolveSet("effective", caps.effective, last, &unsupported));
  BERTH_ASSIGN_OR_RETURN(sets.inheritable,
                         ResolveSet("inheritable", caps.inheritable, last, &unsupported));
  BERTH_ASSIGN_OR_RETURN(sets.permitted,
                         ResolveSet("permitted", caps.permitted, last, &unsupported));
  BERTH_ASSIGN_OR_RETURN(sets.ambient, ResolveSet("ambient", caps.ambient, last, &unsupported));
  if (!unsupported.empty()) {
    log::Warnf("ignoring capabilities unknown to this kernel (last capability {}): {}", last,
               Join(unsupported, ", "));
  }
  return sets;
}

absl::Status DropBoundingSet(const CapabilitySets& sets) {
  int last = LastCapability();
  for (int cap = 0; cap <= last; ++cap) {
    if (Contains(sets.bounding, cap)) continue;
    int present = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (present < 0) return ErrnoErrorf(errno, "read bounding set capability {}", Name(cap));
    if (present == 0) continue;  // already gone; dropping again would need CAP_SETPCAP
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      return ErrnoErrorf(errno, "drop {} from the bounding set", Name(cap));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyCapabilities(const CapabilitySets& sets) {
  for (int cap : sets.effective) {
    if (!Contains(sets.permitted, cap)) {
      return InvalidArgumentf(
          "set capabilities: effective capability {} is not in the permitted set", Name(cap));
    }
  }

  UniqueCap caps(cap_init());
  if (!caps) return ErrnoErrorf(errno, "cap_init");
  BERTH_RETURN_IF_ERROR(SetFlag(caps.get(), CAP_EFFECTIVE, sets.effective));
  BERTH_RETURN_IF_ERROR(SetFlag(caps.get(), CAP_PERMITTED, sets.permitted));
  BERTH_RETURN_IF_ERROR(SetFlag(caps.get(), CAP_INHERITABLE, sets.inheritable));
  if (cap_set_proc(caps.get()) != 0) {
    int err = errno;
    return ErrnoErrorf(err, "set effective, permitted and inheritable capabilities{}",
                       err == EPERM ? MissingFromPermitted(sets) : "");
  }

  if (cap_reset_ambient() != 0) {
    int err = errno;
    // EINVAL: a kernel without ambient capabilities (before 4.3).
    if (err != EINVAL || !sets.ambient.empty()) {
      return ErrnoErrorf(err, "clear the ambient capability set");
    }
    return absl::OkStatus();
  }
  // The kernel raises an ambient capability only when it is permitted and
  // inheritable. runc's own default spec lists ambient capabilities without
  // inheritable ones and runc ignores the failure; so do we (--debug shows it).
  for (int cap : sets.ambient) {
    if (!Contains(sets.permitted, cap) || !Contains(sets.inheritable, cap)) {
      log::Debugf("ambient capability {} skipped: not both permitted and inheritable", Name(cap));
      continue;
    }
    if (cap_set_ambient(cap, CAP_SET) != 0) {
      log::Debugf("raise ambient capability {}: {}", Name(cap), std::strerror(errno));
    }
  }
  return absl::OkStatus();
}

absl::Status SwitchUserKeepingCaps(uid_t uid, gid_t gid, const std::vector<gid_t>& additional_gids,
                                   const CapabilitySets& sets) {
  BERTH_RETURN_IF_ERROR(DropBoundingSet(sets));

  // Without /proc/self/setgroups (kernels before 3.19) setgroups is allowed.
  absl::StatusOr<std::string> setgroups_mode = ReadFile("/proc/self/setgroups");
  bool setgroups_denied = setgroups_mode.ok() && TrimSpace(*setgroups_mode) == "deny";
  if (setgroups_denied && !additional_gids.empty()) {
    return FailedPreconditionf(
        "set additional groups: setgroups is denied in this user namespace "
        "(/proc/self/setgroups is \"deny\")");
  }

  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    return ErrnoErrorf(errno, "prctl(PR_SET_KEEPCAPS, 1)");
  absl::Cleanup reset_keepcaps = [] { prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0); };

  if (!setgroups_denied && ::setgroups(additional_gids.size(), additional_gids.data()) != 0) {
    return ErrnoErrorf(errno, "setgroups({})", additional_gids.size());
  }
  if (::setresgid(gid, gid, gid) != 0) return ErrnoErrorf(errno, "setresgid({})", gid);
  if (::setresuid(uid, uid, uid) != 0) return ErrnoErrorf(errno, "setresuid({})", uid);

  BERTH_RETURN_IF_ERROR(ApplyCapabilities(sets));

  std::move(reset_keepcaps).Cancel();
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
    return ErrnoErrorf(errno, "prctl(PR_SET_KEEPCAPS, 0)");
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

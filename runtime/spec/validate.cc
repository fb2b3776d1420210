#include "runtime/spec/validate.h"

#include <set>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/linux/capabilities.h"
#include "runtime/linux/lsm.h"
#include "runtime/linux/process_attrs.h"
#include "runtime/linux/seccomp.h"

namespace berth::runtime::spec {
namespace {

absl::Status ValidateCapabilityNames(const Capabilities& caps, const std::string& path) {
  const std::pair<const char*, const std::vector<std::string>*> sets[] = {
      {"bounding", &caps.bounding},   {"effective", &caps.effective},
      {"inheritable", &caps.inheritable}, {"permitted", &caps.permitted},
      {"ambient", &caps.ambient},
  };
  for (const auto& [name, list] : sets) {
    for (const std::string& cap : *list) {
      if (!linux::CapabilityFromName(cap)) {
        return InvalidArgumentf("{}.capabilities.{}: unknown capability {:?}", path, name, cap);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateEnv(const std::vector<std::string>& env, const std::string& path) {
  for (size_t i = 0; i < env.size(); ++i) {
    auto [key, value] = SplitOnce(env[i], '=');
    if (key.empty() || !value) {
      return InvalidArgumentf("{}.env[{}]: {:?} is not KEY=value", path, i, env[i]);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNamespaces(const Linux& linux) {
  std::set<NamespaceType> seen;
  for (size_t i = 0; i < linux.namespaces.size(); ++i) {
    const Namespace& ns = linux.namespaces[i];
    if (!seen.insert(ns.type).second) {
      return InvalidArgumentf("linux.namespaces[{}]: {} namespace listed twice", i,
                              NamespaceTypeName(ns.type));
    }
    if (!ns.path.empty() && ns.path[0] != '/') {
      return InvalidArgumentf("linux.namespaces[{}].path: {:?} is not absolute", i, ns.path);
    }
  }
  bool user_ns = seen.count(NamespaceType::kUser) > 0;
  if (!user_ns && (!linux.uid_mappings.empty() || !linux.gid_mappings.empty())) {
    return InvalidArgumentf("linux.uidMappings: user mappings given without a user namespace");
  }
  for (const Namespace& ns : linux.namespaces) {
    if (ns.type == NamespaceType::kUser && ns.path.empty() &&
        (linux.uid_mappings.empty() || linux.gid_mappings.empty())) {
      return InvalidArgumentf(
          "linux.namespaces: a new user namespace needs linux.uidMappings and linux.gidMappings");
    }
  }
  if (!linux.time_offsets.empty()) {
    bool new_time = false;
    for (const Namespace& ns : linux.namespaces) {
      new_time = new_time || (ns.type == NamespaceType::kTime && ns.path.empty());
    }
    if (!new_time) {
      return InvalidArgumentf("linux.timeOffsets: offsets need a new time namespace");
    }
    for (const auto& [clock, offset] : linux.time_offsets) {
      if (clock != "monotonic" && clock != "boottime") {
        return InvalidArgumentf("linux.timeOffsets: unknown clock {:?} (monotonic or boottime)",
                                clock);
      }
      if (offset.nanosecs >= 1000000000) {
        return InvalidArgumentf("linux.timeOffsets.{}.nanosecs: {} is not below one second", clock,
                                offset.nanosecs);
      }
    }
  }
  return absl::OkStatus();
}

bool HasNewNamespace(const Linux& linux, NamespaceType type) {
  for (const Namespace& ns : linux.namespaces) {
    if (ns.type == type) return true;
  }
  return false;
}

// Only namespaced sysctls may be set, and only with the namespace they
// belong to (runc's rules).
absl::Status ValidateSysctl(const Linux& linux) {
  for (const auto& [key, value] : linux.sysctl) {
    std::string_view k = key;
    if (k.empty() || k.find("..") != std::string_view::npos || k.find('/') != std::string_view::npos) {
      return InvalidArgumentf("linux.sysctl: invalid key {:?}", key);
    }
    bool ipc = k == "kernel.msgmax" || k == "kernel.msgmnb" || k == "kernel.msgmni" ||
               k == "kernel.sem" || k == "kernel.shmall" || k == "kernel.shmmax" ||
               k == "kernel.shmmni" || k == "kernel.shm_rmid_forced" || k.starts_with("fs.mqueue.");
    bool net = k.starts_with("net.");
    bool uts = k == "kernel.hostname" || k == "kernel.domainname";
    if (ipc && !HasNewNamespace(linux, NamespaceType::kIpc)) {
      return InvalidArgumentf("linux.sysctl: {} requires an ipc namespace", key);
    }
    if (net && !HasNewNamespace(linux, NamespaceType::kNetwork)) {
      return InvalidArgumentf("linux.sysctl: {} requires a network namespace", key);
    }
    if (uts && !HasNewNamespace(linux, NamespaceType::kUts)) {
      return InvalidArgumentf("linux.sysctl: {} requires a uts namespace", key);
    }
    if (!ipc && !net && !uts) {
      return InvalidArgumentf("linux.sysctl: {} is not namespaced and cannot be set per container",
                              key);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateMounts(const std::vector<Mount>& mounts) {
  for (size_t i = 0; i < mounts.size(); ++i) {
    const Mount& m = mounts[i];
    if (m.destination.empty()) {
      return InvalidArgumentf("mounts[{}].destination: must not be empty", i);
    }
    for (std::string_view part : Split(m.destination, '/', true)) {
      if (part == "..") {
        return InvalidArgumentf("mounts[{}].destination: {:?} must not contain \"..\"", i,
                                m.destination);
      }
    }
    if (m.type == "proc" && CleanPath("/" + m.destination) != "/proc") {
      return InvalidArgumentf("mounts[{}]: proc may only be mounted on /proc, not {:?}", i,
                              m.destination);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDevices(const std::vector<Device>& devices) {
  for (size_t i = 0; i < devices.size(); ++i) {
    const Device& d = devices[i];
    if (d.path.empty() || d.path[0] != '/') {
      return InvalidArgumentf("linux.devices[{}].path: {:?} is not absolute", i, d.path);
    }
    if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p") {
      return InvalidArgumentf("linux.devices[{}].type: {:?} is not c, b, u or p", i, d.type);
    }
    if (d.type != "p" && (d.major < 0 || d.minor < 0)) {
      return InvalidArgumentf("linux.devices[{}]: major and minor must not be negative", i);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDeviceRules(const std::vector<DeviceRule>& rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    const DeviceRule& r = rules[i];
    if (!r.type.empty() && r.type != "a" && r.type != "c" && r.type != "b") {
      return InvalidArgumentf("linux.resources.devices[{}].type: {:?} is not a, c or b", i, r.type);
    }
    for (char c : r.access) {
      if (c != 'r' && c != 'w' && c != 'm') {
        return InvalidArgumentf("linux.resources.devices[{}].access: {:?} is not a subset of rwm",
                                i, r.access);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateProcess(const Process& p, const std::string& path) {
  if (p.args.empty()) return InvalidArgumentf("{}.args: must not be empty", path);
  if (!p.cwd.empty() && p.cwd[0] != '/') {
    return InvalidArgumentf("{}.cwd: {:?} is not absolute", path, p.cwd);
  }
  BERTH_RETURN_IF_ERROR(ValidateEnv(p.env, path));
  if (p.capabilities) BERTH_RETURN_IF_ERROR(ValidateCapabilityNames(*p.capabilities, path));
  BERTH_RETURN_IF_ERROR(linux::ValidateRlimits(p.rlimits));
  if (p.scheduler) BERTH_RETURN_IF_ERROR(linux::ValidateScheduler(*p.scheduler));
  if (p.io_priority) BERTH_RETURN_IF_ERROR(linux::ValidateIoPriority(*p.io_priority));
  if (p.oom_score_adj && (*p.oom_score_adj < -1000 || *p.oom_score_adj > 1000)) {
    return InvalidArgumentf("{}.oomScoreAdj: {} is outside -1000..1000", path, *p.oom_score_adj);
  }
  if (!p.apparmor_profile.empty()) BERTH_RETURN_IF_ERROR(linux::CheckAppArmorProfile(p.apparmor_profile));
  if (!p.selinux_label.empty()) BERTH_RETURN_IF_ERROR(linux::CheckSelinuxLabel(p.selinux_label));
  return absl::OkStatus();
}

// ociVersion is SemVer; this runtime implements the 1.x series.
absl::Status ValidateVersion(const std::string& version) {
  std::vector<std::string_view> parts = Split(SplitOnce(version, '-').first, '.');
  bool numeric = parts.size() == 3;
  for (std::string_view p : parts) numeric = numeric && ParseUint64(p).has_value();
  if (!numeric) {
    return InvalidArgumentf("ociVersion: {:?} is not a SemVer version such as {}", version,
                            kOciVersion);
  }
  if (parts[0] != "1") {
    return InvalidArgumentf("ociVersion: {:?} is not supported (this runtime implements 1.x)",
                            version);
  }
  return absl::OkStatus();
}

absl::Status ValidateSpec(const Spec& spec, const ValidateOptions& options) {
  BERTH_RETURN_IF_ERROR(ValidateVersion(spec.oci_version));
  if (!spec.root || spec.root->path.empty()) return InvalidArgumentf("root.path: required");
  if (!spec.process) return InvalidArgumentf("process: required to create a container");
  BERTH_RETURN_IF_ERROR(ValidateProcess(*spec.process, "process"));
  if (!spec.linux) return InvalidArgumentf("linux: required on Linux");
  const Linux& linux = *spec.linux;
  BERTH_RETURN_IF_ERROR(ValidateNamespaces(linux));
  if (!spec.hostname.empty() && !HasNewNamespace(linux, NamespaceType::kUts)) {
    return InvalidArgumentf("hostname: setting it needs a uts namespace");
  }
  if (!spec.domainname.empty() && !HasNewNamespace(linux, NamespaceType::kUts)) {
    return InvalidArgumentf("domainname: setting it needs a uts namespace");
  }
  BERTH_RETURN_IF_ERROR(ValidateSysctl(linux));
  BERTH_RETURN_IF_ERROR(ValidateMounts(spec.mounts));
  BERTH_RETURN_IF_ERROR(ValidateDevices(linux.devices));
  if (linux.resources) BERTH_RETURN_IF_ERROR(ValidateDeviceRules(linux.resources->devices));
  if (linux.seccomp) BERTH_RETURN_IF_ERROR(linux::ValidateSeccomp(*linux.seccomp));
  if (linux.personality) BERTH_RETURN_IF_ERROR(linux::ValidatePersonality(*linux.personality));
  if (!linux.rootfs_propagation.empty()) {
    static const char* const kValid[] = {"private", "rprivate", "slave",      "rslave",
                                         "shared",  "rshared",  "unbindable", "runbindable"};
    bool ok = false;
    for (const char* v : kValid) ok = ok || linux.rootfs_propagation == v;
    if (!ok) {
      return InvalidArgumentf("linux.rootfsPropagation: unknown propagation {:?}",
                              linux.rootfs_propagation);
    }
  }
  // A mount label is only a hint for file labels: without SELinux there is
  // nothing to label, so it is ignored (runc and crun do the same). A
  // process label, which would change what the process may do, is an error.
  if (linux.intel_rdt && (!linux.intel_rdt->clos_id.empty() ||
                          !linux.intel_rdt->l3_cache_schema.empty() ||
                          !linux.intel_rdt->mem_bw_schema.empty())) {
    return InvalidArgumentf("linux.intelRdt: Intel RDT is not supported by berth-runtime");
  }
  (void)options;
  return absl::OkStatus();
}


}  // namespace berth::runtime::spec

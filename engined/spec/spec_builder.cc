#include "engined/spec/spec_builder.h"

#include <unistd.h>

#include <climits>

#include "common/status.h"
#include "engined/spec/capabilities.h"
#include "engined/spec/devices.h"
#include "engined/spec/fields.h"
#include "engined/spec/namespaces.h"
#include "engined/spec/resources.h"
#include "engined/spec/security_opt.h"
#include "engined/spec/user.h"

namespace berth::engined::spec {
namespace {

using nlohmann::json;

const std::vector<std::string>& MaskedPaths() {
  static const std::vector<std::string> paths = {"/proc/acpi",
                                                 "/proc/asound",
                                                 "/proc/interrupts",
                                                 "/proc/kcore",
                                                 "/proc/keys",
                                                 "/proc/latency_stats",
                                                 "/proc/sched_debug",
                                                 "/proc/scsi",
                                                 "/proc/timer_list",
                                                 "/proc/timer_stats",
                                                 "/sys/devices/virtual/powercap",
                                                 "/sys/firmware"};
  return paths;
}

const std::vector<std::string>& ReadonlyPaths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

std::string EnvKey(const std::string& e) { return e.substr(0, e.find('=')); }

// Later entries replace earlier ones with the same key, in place.
void SetEnv(std::vector<std::string>& env, const std::string& entry) {
  for (std::string& e : env) {
    if (EnvKey(e) == EnvKey(entry)) {
      e = entry;
      return;
    }
  }
  env.push_back(entry);
}

std::string HostHostname(const std::string& override_name) {
  if (!override_name.empty()) return override_name;
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

absl::StatusOr<std::vector<std::string>> Args(const json& config, bool init) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> args, GetStrings(config, "Entrypoint", "Config"));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> cmd, GetStrings(config, "Cmd", "Config"));
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) return InvalidArgumentf("no command specified");
  if (init) args.insert(args.begin(), {kInitPathInContainer, "--"});
  return args;
}

absl::StatusOr<json> Seccomp(const SecurityOptions& sec, bool privileged,
                             const std::vector<std::string>& caps,
                             const std::optional<SeccompTarget>& target_override) {
  // Privileged containers run unfiltered unless given a profile explicitly.
  if (sec.seccomp_unconfined || (privileged && !sec.seccomp_profile)) return json(nullptr);
  SeccompTarget target = target_override ? *target_override : HostSeccompTarget({});
  target.capabilities = caps;
  absl::StatusOr<json> out =
      ConvertSeccompProfile(sec.seccomp_profile.value_or(DefaultSeccompProfile()), target);
  if (!out.ok()) return WithContext(out.status(), "HostConfig.SecurityOpt: seccomp");
  return out;
}

absl::StatusOr<json> Sysctls(const json& hc, bool host_network, bool private_network) {
  json out = json::object();
  // Docker's defaults for a new network namespace: ping without NET_RAW,
  // low ports without NET_BIND_SERVICE. The runtime fails on a sysctl the
  // kernel lacks, hence the check.
  if (private_network) {
    if (access("/proc/sys/net/ipv4/ping_group_range", F_OK) == 0) {
      out["net.ipv4.ping_group_range"] = "0 2147483647";
    }
    if (access("/proc/sys/net/ipv4/ip_unprivileged_port_start", F_OK) == 0) {
      out["net.ipv4.ip_unprivileged_port_start"] = "0";
    }
  }
  const json* given = Field(hc, "Sysctls");
  if (given == nullptr) return out;
  if (!given->is_object()) return InvalidArgumentf("HostConfig.Sysctls: expected an object");
  for (auto it = given->begin(); it != given->end(); ++it) {
    if (!it.value().is_string()) {
      return InvalidArgumentf("HostConfig.Sysctls[\"{}\"]: expected a string", it.key());
    }
    if (host_network && it.key().rfind("net.", 0) == 0) {
      return InvalidArgumentf("sysctl \"{}\" not allowed in host network namespace", it.key());
    }
    out[it.key()] = it.value();
  }
  return out;
}

}  // namespace

absl::StatusOr<nlohmann::json> BuildSpec(const SpecInput& in) {
  const json& config = in.config;
  const json& hc = in.host_config;
  const char* C = "Config";
  const char* H = "HostConfig";
  if (in.id.empty()) return InvalidArgumentf("container id is empty");

  BERTH_ASSIGN_OR_RETURN(bool privileged, GetBool(hc, "Privileged", H));
  BERTH_ASSIGN_OR_RETURN(bool tty, GetBool(config, "Tty", C));
  bool init = in.default_init;
  if (const json* v = Field(hc, "Init"); v != nullptr) {
    if (!v->is_boolean()) return InvalidArgumentf("HostConfig.Init: expected a boolean");
    init = v->get<bool>();
  }
  if (init && in.init_path.empty()) {
    return FailedPreconditionf("HostConfig.Init: no init binary (berth-init) configured");
  }

  NamespacePaths ns_paths{in.network_namespace_path, in.pid_namespace_path, in.ipc_namespace_path,
                          in.cgroup_namespace_by_default};
  BERTH_ASSIGN_OR_RETURN(NamespacePlan ns, PlanNamespaces(hc, ns_paths));

  // Identity.
  BERTH_ASSIGN_OR_RETURN(std::string hostname, GetString(config, "Hostname", C));
  BERTH_ASSIGN_OR_RETURN(std::string domainname, GetString(config, "Domainname", C));
  if (ns.host_uts) {
    hostname = HostHostname(in.host_hostname);
  } else if (hostname.empty()) {
    hostname = in.id.substr(0, 12);
  }

  // Process.
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> args, Args(config, init));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> config_env, GetStrings(config, "Env", C));
  // fmt, not operator+: GCC 12 misreports -Wrestrict on "literal" + string.
  std::vector<std::string> env = {kDefaultPathEnv, fmt::format("HOSTNAME={}", hostname)};
  if (tty) env.push_back("TERM=xterm");
  for (const std::string& e : config_env) SetEnv(env, e);
  BERTH_ASSIGN_OR_RETURN(std::string cwd, GetString(config, "WorkingDir", C));
  if (cwd.empty()) cwd.push_back('/');  // not = "/": GCC 12 false -Wrestrict

  BERTH_ASSIGN_OR_RETURN(std::string user_spec, GetString(config, "User", C));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> group_add, GetStrings(hc, "GroupAdd", H));
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user, ResolveUser(in.rootfs, user_spec, group_add));
  json user_json = {{"uid", user.uid}, {"gid", user.gid}};
  if (!user.additional_gids.empty()) user_json["additionalGids"] = user.additional_gids;
  // Docker sets HOME from the user's passwd entry unless the config does.
  bool has_home = false;
  for (const std::string& e : env) has_home = has_home || EnvKey(e) == "HOME";
  if (!has_home) env.push_back(fmt::format("HOME={}", user.home));

  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> cap_add, GetStrings(hc, "CapAdd", H));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> cap_drop, GetStrings(hc, "CapDrop", H));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> caps,
                         ContainerCapabilities(cap_add, cap_drop, privileged));

  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> sec_opts, GetStrings(hc, "SecurityOpt", H));
  BERTH_ASSIGN_OR_RETURN(SecurityOptions sec, ParseSecurityOpts(sec_opts));
  BERTH_ASSIGN_OR_RETURN(std::vector<Ulimit> ulimits, ParseUlimits(hc));
  BERTH_ASSIGN_OR_RETURN(int64_t oom_score_adj, GetInt(hc, "OomScoreAdj", H));

  json process = {
      {"terminal", tty},
      {"user", user_json},
      {"args", args},
      {"env", env},
      {"cwd", cwd},
      {"capabilities",
       {{"bounding", caps},
        {"effective", caps},
        {"permitted", caps},
        {"inheritable", json::array()},
        {"ambient", json::array()}}},
      {"rlimits", BuildRlimits(in.default_ulimits, ulimits)},
      {"noNewPrivileges", sec.no_new_privileges},
      {"oomScoreAdj", oom_score_adj},
  };
  if (!sec.apparmor_profile.empty() && sec.apparmor_profile != "unconfined") {
    process["apparmorProfile"] = sec.apparmor_profile;
  }

  // Mounts.
  BERTH_ASSIGN_OR_RETURN(int64_t shm_size, GetInt(hc, "ShmSize", H));
  std::vector<Mount> extra = in.mounts;
  if (init) {
    extra.push_back(
        {kInitPathInContainer, "bind", in.init_path, {"bind", "ro", "nosuid", "nodev"}});
  }
  std::vector<Mount> mounts =
      MergeMounts(DefaultMounts({privileged, shm_size, ns.with_shm}), extra);

  // Linux.
  BERTH_ASSIGN_OR_RETURN(json resources, BuildResources(hc));
  BERTH_ASSIGN_OR_RETURN(std::vector<DeviceMapping> mappings, ParseDeviceMappings(hc));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> cgroup_rules,
                         GetStrings(hc, "DeviceCgroupRules", H));
  BERTH_ASSIGN_OR_RETURN(DeviceSpec devices,
                         BuildDevices(mappings, cgroup_rules, privileged, in.host_dev));
  resources["devices"] = devices.rules;

  BERTH_ASSIGN_OR_RETURN(std::string cgroup_parent, GetString(hc, "CgroupParent", H));
  if (cgroup_parent.empty()) cgroup_parent = in.cgroup_parent;
  if (!cgroup_parent.empty() && cgroup_parent.back() == '/') cgroup_parent.pop_back();

  BERTH_ASSIGN_OR_RETURN(json sysctl, Sysctls(hc, ns.host_network, ns.private_network));
  bool unmasked = privileged || sec.unmasked_system_paths;

  json linux = {
      {"namespaces", ns.namespaces},
      {"resources", resources},
      {"devices", devices.devices},
      {"cgroupsPath", cgroup_parent + "/" + in.id},
      {"maskedPaths", unmasked ? json::array() : json(MaskedPaths())},
      {"readonlyPaths", unmasked ? json::array() : json(ReadonlyPaths())},
  };
  if (!sysctl.empty()) linux["sysctl"] = sysctl;
  BERTH_ASSIGN_OR_RETURN(json seccomp, Seccomp(sec, privileged, caps, in.seccomp_target));
  if (!seccomp.is_null()) linux["seccomp"] = std::move(seccomp);

  BERTH_ASSIGN_OR_RETURN(bool readonly_root, GetBool(hc, "ReadonlyRootfs", H));
  json spec = {
      {"ociVersion", "1.0.2"},
      {"process", process},
      {"root", {{"path", in.root_path}, {"readonly", readonly_root}}},
      {"mounts", MountsToJson(mounts)},
      {"linux", linux},
  };
  // Without a UTS namespace the runtime may not set a hostname.
  if (!ns.host_uts) {
    spec["hostname"] = hostname;
    if (!domainname.empty()) spec["domainname"] = domainname;
  }
  return spec;
}

}  // namespace berth::engined::spec

#include "containerd/ctr/default_spec.h"

#include <nlohmann/json.hpp>

namespace berth::containerd::ctr {
namespace {

using nlohmann::json;

json Mount(const char* destination, const char* type, const char* source,
           std::vector<std::string> options) {
  return {{"destination", destination}, {"type", type}, {"source", source}, {"options", options}};
}

// containerd's defaultUnixCaps.
const std::vector<std::string>& DefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",     "CAP_FOWNER",
      "CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",     "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",   "CAP_AUDIT_WRITE"};
  return caps;
}

}  // namespace

std::string DefaultSpec(const SpecOptions& o) {
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  if (o.terminal) env.push_back("TERM=xterm");
  env.insert(env.end(), o.env.begin(), o.env.end());
  const std::vector<std::string>& caps = DefaultCapabilities();
  json namespaces = json::array();
  for (const char* type : {"pid", "ipc", "uts", "mount", "network"}) {
    namespaces.push_back({{"type", type}});
  }
  json linux = {
      {"resources", {{"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}}},
      {"namespaces", namespaces},
      {"maskedPaths",
       {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/proc/scsi"}},
      {"readonlyPaths",
       {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
  };
  if (!o.cgroups_path.empty()) linux["cgroupsPath"] = o.cgroups_path;
  json spec = {
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", o.terminal},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", o.args},
        {"env", env},
        {"cwd", o.cwd},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
        {"noNewPrivileges", true}}},
      {"root", {{"path", o.root_path}, {"readonly", o.readonly_root}}},
      {"mounts",
       json::array({
           Mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
           Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
           Mount("/dev/pts", "devpts", "devpts",
                 {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
           Mount("/dev/shm", "tmpfs", "shm",
                 {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
           Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
           Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
           Mount("/run", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
       })},
      {"linux", linux},
  };
  if (!o.hostname.empty()) spec["hostname"] = o.hostname;
  return spec.dump();
}

}  // namespace berth::containerd::ctr

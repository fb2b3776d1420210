#include "runtime/spec/default_spec.h"

#include "runtime/spec/spec.h"

namespace berth::runtime::spec {

json::Json DefaultSpecJson(bool rootless, uint32_t uid, uint32_t gid) {
  using json::Json;
  Json caps = Json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  Json devpts_options = Json::array({"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"});
  if (!rootless) devpts_options.push_back("gid=5");
  Json sys_mount = rootless ? Json{{"destination", "/sys"},
                                   {"type", "none"},
                                   {"source", "/sys"},
                                   {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}}
                            : Json{{"destination", "/sys"},
                                   {"type", "sysfs"},
                                   {"source", "sysfs"},
                                   {"options", {"nosuid", "noexec", "nodev", "ro"}}};
  Json spec = {
      {"ociVersion", kOciVersion},
      {"process",
       {{"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "berth"},
      {"mounts",
       {
           {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
           {{"destination", "/dev"},
            {"type", "tmpfs"},
            {"source", "tmpfs"},
            {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
           {{"destination", "/dev/pts"},
            {"type", "devpts"},
            {"source", "devpts"},
            {"options", devpts_options}},
           {{"destination", "/dev/shm"},
            {"type", "tmpfs"},
            {"source", "shm"},
            {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
           {{"destination", "/dev/mqueue"},
            {"type", "mqueue"},
            {"source", "mqueue"},
            {"options", {"nosuid", "noexec", "nodev"}}},
           sys_mount,
           {{"destination", "/sys/fs/cgroup"},
            {"type", "cgroup"},
            {"source", "cgroup"},
            {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}},
       }},
      {"linux",
       {{"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/proc/scsi"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}},
  };
  Json& linux = spec["linux"];
  if (rootless) {
    linux["uidMappings"] = {{{"containerID", 0}, {"hostID", uid}, {"size", 1}}};
    linux["gidMappings"] = {{{"containerID", 0}, {"hostID", gid}, {"size", 1}}};
    linux["namespaces"] = {{{"type", "pid"}},   {{"type", "ipc"}},   {{"type", "uts"}},
                           {{"type", "mount"}}, {{"type", "cgroup"}}, {{"type", "user"}}};
  } else {
    linux["resources"] = {{"devices", {{{"allow", false}, {"access", "rwm"}}}}};
    linux["namespaces"] = {{{"type", "pid"}},   {{"type", "network"}}, {{"type", "ipc"}},
                           {{"type", "uts"}},   {{"type", "mount"}},   {{"type", "cgroup"}}};
  }
  return spec;
}

}  // namespace berth::runtime::spec

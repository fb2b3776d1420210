#include "tests/testimage/runtime_config.h"

namespace berth::testimage {
namespace {

using json::Json;

Json Mount(const char* destination, const char* type, const char* source,
           std::vector<std::string> options) {
  Json m = {{"destination", destination}, {"type", type}, {"source", source}};
  if (!options.empty()) m["options"] = std::move(options);
  return m;
}

// runc spec's mounts, in its order.
Json DefaultMounts() {
  return Json::array({
      Mount("/proc", "proc", "proc", {}),
      Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      Mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      Mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  });
}

Json Process(const ConfigOptions& opts) {
  std::vector<std::string> env = {kDefaultPath, "TERM=xterm"};
  env.insert(env.end(), opts.extra_env.begin(), opts.extra_env.end());
  const std::vector<std::string> caps = DefaultCapabilities();
  return {
      {"terminal", opts.terminal},
      {"user", {{"uid", opts.uid}, {"gid", opts.gid}}},
      {"args", opts.args},
      {"env", env},
      {"cwd", opts.cwd},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
      {"rlimits", Json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
      {"noNewPrivileges", true},
  };
}

Json Linux(const ConfigOptions& opts) {
  Json namespaces = Json::array();
  for (const char* type : {"pid", "network", "ipc", "uts", "mount", "cgroup"}) {
    namespaces.push_back({{"type", type}});
  }
  Json linux = {
      {"resources", {{"devices", Json::array({{{"allow", false}, {"access", "rwm"}}})}}},
      {"namespaces", namespaces},
      {"maskedPaths",
       {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/sys/devices/virtual/powercap", "/proc/scsi"}},
      {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
  };
  if (!opts.cgroups_path.empty()) linux["cgroupsPath"] = opts.cgroups_path;
  return linux;
}

}  // namespace

std::vector<std::string> DefaultCapabilities() {
  return {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
}

json::Json DefaultRuntimeConfig(const ConfigOptions& opts) {
  return {
      {"ociVersion", "1.0.2"},  // accepted by every runtime here (crun 1.8 refuses 1.2.0)
      {"process", Process(opts)},
      {"root", {{"path", opts.root_path}, {"readonly", opts.readonly_root}}},
      {"hostname", opts.hostname},
      {"mounts", DefaultMounts()},
      {"linux", Linux(opts)},
  };
}

}  // namespace berth::testimage

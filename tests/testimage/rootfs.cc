// The busybox rootfs and the runtime bundle around it.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "common/file_util.h"
#include "common/spawn.h"
#include "common/status.h"
#include "common/strings.h"
#include "tests/testimage/image.h"

namespace berth::testimage {
namespace {

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "berth:x:1000:1000:berth:/home/berth:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
constexpr char kGroup[] = "root:x:0:\nberth:x:1000:\ntty:x:5:\nnogroup:x:65534:\n";
constexpr char kHosts[] = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

absl::Status CopyFile(const std::string& from, const std::string& to, mode_t mode) {
  BERTH_ASSIGN_OR_RETURN(std::string data, ReadFile(from));
  size_t slash = to.rfind('/');
  if (slash != std::string::npos) BERTH_RETURN_IF_ERROR(MkdirAll(to.substr(0, slash)));
  BERTH_RETURN_IF_ERROR(WriteFile(to, data, mode));
  if (::chmod(to.c_str(), mode) < 0) return ErrnoErrorf(errno, "chmod {}", to);
  return absl::OkStatus();
}

// Full applet paths ("/bin/sh", "/usr/bin/env") as busybox lists them.
// Asked once per busybox binary and process.
absl::StatusOr<std::vector<std::string>> AppletPaths(const std::string& busybox) {
  static std::map<std::string, std::vector<std::string>>* cache =
      new std::map<std::string, std::vector<std::string>>();
  if (auto it = cache->find(busybox); it != cache->end()) return it->second;
  SpawnOptions o;
  o.argv = {busybox, "--list-full"};
  BERTH_ASSIGN_OR_RETURN(SpawnResult r, RunAndCapture(o));
  if (!r.status.success()) return Internalf("{} --list-full failed: {}", busybox, r.err);
  std::vector<std::string> paths;
  for (std::string_view line : Split(r.out, '\n', true)) paths.emplace_back(TrimSpace(line));
  (*cache)[busybox] = paths;
  return paths;
}

}  // namespace

absl::Status CreateRootfs(const std::string& dir, const RootfsOptions& options) {
  for (const char* sub : {"bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "etc",
                          "root", "home/berth", "run", "var", "mnt", "tmp"}) {
    BERTH_RETURN_IF_ERROR(MkdirAll(dir + "/" + sub));
  }
  if (::chmod((dir + "/tmp").c_str(), 01777) < 0) return ErrnoErrorf(errno, "chmod {}/tmp", dir);
  BERTH_RETURN_IF_ERROR(CopyFile(options.busybox, dir + "/bin/busybox", 0755));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> applets, AppletPaths(options.busybox));
  for (const std::string& applet : applets) {
    if (applet.empty() || applet == "bin/busybox") continue;
    std::string link = dir + "/" + applet;
    size_t slash = link.rfind('/');
    BERTH_RETURN_IF_ERROR(MkdirAll(link.substr(0, slash)));
    if (::symlink("/bin/busybox", link.c_str()) < 0 && errno != EEXIST) {
      return ErrnoErrorf(errno, "symlink {}", link);
    }
  }
  BERTH_RETURN_IF_ERROR(WriteFile(dir + "/etc/passwd", kPasswd));
  BERTH_RETURN_IF_ERROR(WriteFile(dir + "/etc/group", kGroup));
  BERTH_RETURN_IF_ERROR(WriteFile(dir + "/etc/hosts", kHosts));
  BERTH_RETURN_IF_ERROR(WriteFile(dir + "/etc/hostname", ""));
  for (const ExtraFile& f : options.extra_files) {
    BERTH_RETURN_IF_ERROR(CopyFile(f.host_path, dir + "/" + f.container_path, f.mode));
  }
  return absl::OkStatus();
}

json::Json DefaultRuntimeConfig(const ConfigOptions& o) {
  using json::Json;
  Json caps = Json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  Json env = Json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "TERM=xterm"});
  for (const std::string& e : o.env) env.push_back(e);
  Json config = {
      {"ociVersion", "1.2.0"},
      {"process",
       {{"terminal", o.terminal},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", o.args},
        {"env", env},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", o.readonly_root}}},
      {"hostname", o.hostname},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"},
         {"type", "tmpfs"},
         {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"},
         {"type", "devpts"},
         {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/shm"},
         {"type", "tmpfs"},
         {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/dev/mqueue"},
         {"type", "mqueue"},
         {"source", "mqueue"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/sys"},
         {"type", "sysfs"},
         {"source", "sysfs"},
         {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/sys/fs/cgroup"},
         {"type", "cgroup"},
         {"source", "cgroup"},
         {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}}}},
      {"linux",
       {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces",
         {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}},
          {{"type", "mount"}}, {{"type", "cgroup"}}}},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/proc/scsi"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}},
  };
  if (!o.cgroups_path.empty()) config["linux"]["cgroupsPath"] = o.cgroups_path;
  return config;
}

absl::Status CreateBundle(const std::string& dir, const json::Json& config,
                          const RootfsOptions& rootfs) {
  BERTH_RETURN_IF_ERROR(MkdirAll(dir));
  BERTH_RETURN_IF_ERROR(CreateRootfs(dir + "/rootfs", rootfs));
  return WriteFile(dir + "/config.json", json::Dump(config, 2) + "\n");
}

}  // namespace berth::testimage

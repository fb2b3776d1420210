#include "runtime/cgroups/paths.h"

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::cgroups {

absl::StatusOr<std::string> InnerPath(const std::string& cgroups_path, const std::string& id,
                                      const std::string& own) {
  for (std::string_view part : Split(cgroups_path, '/', true)) {
    if (part == "..") {
      return InvalidArgumentf("linux.cgroupsPath {:?} must not contain \"..\"", cgroups_path);
    }
  }
  if (!cgroups_path.empty() && cgroups_path[0] == '/') return CleanPath(cgroups_path);
  std::string relative = cgroups_path.empty() ? id : cgroups_path;
  return CleanPath(JoinPath(own.empty() ? "/" : own, relative));
}

std::string HostDir(const std::string& mount_point, const std::string& mount_root,
                    const std::string& inner) {
  std::string rel = inner;
  if (!mount_root.empty() && mount_root != "/" &&
      (rel == mount_root || rel.starts_with(mount_root + "/"))) {
    rel = rel.substr(mount_root.size());
  }
  return CleanPath(JoinPath(mount_point, rel));
}

absl::Status CheckSystemdDriver(const std::string& cgroups_path) {
  std::vector<std::string> parts = SplitToStrings(cgroups_path, ':');
  if (!cgroups_path.empty() && parts.size() != 3) {
    return InvalidArgumentf(
        "linux.cgroupsPath {:?}: the systemd driver expects \"slice:prefix:name\"", cgroups_path);
  }
  absl::StatusOr<std::string> comm = ReadFile("/proc/1/comm");
  std::string pid1 = comm.ok() ? std::string(TrimSpace(*comm)) : "unknown";
  if (pid1 != "systemd" || !PathExists("/run/systemd/system")) {
    return FailedPreconditionf(
        "systemd cgroup driver requested (--systemd-cgroup) but systemd is not running as PID 1 "
        "(PID 1 is {:?}); omit --systemd-cgroup to use cgroupfs",
        pid1);
  }
  return FailedPreconditionf(
      "the systemd cgroup driver is not supported by berth-runtime yet; omit --systemd-cgroup "
      "(cgroupfs works on this host)");
}

}  // namespace berth::runtime::cgroups

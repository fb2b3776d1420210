#include "runtime/cgroups/paths.h"

#include <unistd.h>

#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::cgroups {
namespace {

// CleanPath, refusing a ".." that climbs above the start of `path`.
absl::StatusOr<std::string> CleanWithin(std::string_view path) {
  int depth = 0;
  for (std::string_view part : Split(path, '/', true)) {
    if (part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) {
      return InvalidArgumentf("cgroupsPath \"{}\": \"..\" climbs out of the cgroup hierarchy",
                              path);
    }
  }
  return CleanPath(path);
}

bool IsUnder(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// `path` (a hierarchy path) as seen below a mount whose root is `root`.
std::string VisiblePart(const std::string& path, const std::string& root) {
  if (root.empty() || root == "/" || !IsUnder(path, root)) return path;
  std::string rest = path.substr(root.size());
  return rest.empty() ? "/" : rest;
}

absl::StatusOr<std::string> AbsoluteDir(const std::string& cgroups_path, const HierarchyView& h) {
  BERTH_ASSIGN_OR_RETURN(std::string inner, CleanWithin(cgroups_path));
  std::string visible = VisiblePart(inner, h.root);
  if (visible == "/") {
    return InvalidArgumentf("cgroupsPath \"{}\" is the root of the {} hierarchy", cgroups_path,
                            h.mount_point);
  }
  return JoinPath(h.mount_point, visible);
}

absl::StatusOr<std::string> RelativeDir(const std::string& relative, const HierarchyView& h) {
  BERTH_ASSIGN_OR_RETURN(std::string inner, CleanWithin(relative));
  if (inner == ".") {
    return InvalidArgumentf("cgroupsPath \"{}\" names the caller's own cgroup", relative);
  }
  std::string own = CleanPath(h.own.empty() ? "/" : h.own);
  return JoinPath(JoinPath(h.mount_point, VisiblePart(own, h.root)), inner);
}

absl::Status CheckContainerId(const std::string& id) {
  if (id.empty()) return InvalidArgumentf("cgroupsPath is empty and so is the container id");
  if (id.find('/') != std::string::npos || id == "." || id == "..") {
    return InvalidArgumentf("container id \"{}\" cannot name a cgroup", id);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ContainerDir(const std::string& cgroups_path,
                                         const std::string& container_id,
                                         const HierarchyView& hierarchy) {
  if (hierarchy.mount_point.empty()) return InvalidArgumentf("cgroup hierarchy is not mounted");
  if (cgroups_path.empty()) {
    BERTH_RETURN_IF_ERROR(CheckContainerId(container_id));
    return RelativeDir(container_id, hierarchy);
  }
  if (cgroups_path[0] == '/') return AbsoluteDir(cgroups_path, hierarchy);
  return RelativeDir(cgroups_path, hierarchy);
}

absl::StatusOr<SystemdCgroupPath> ParseSystemdCgroupPath(std::string_view path) {
  std::vector<std::string_view> parts = Split(path, ':');
  auto bad = [&](std::string_view why) {
    return InvalidArgumentf(
        "cgroupsPath \"{}\": {} (the systemd cgroup driver expects \"slice:prefix:name\", "
        "e.g. \"system.slice:berth:abc\")",
        path, why);
  };
  if (parts.size() != 3) return bad("expected three ':'-separated parts");
  SystemdCgroupPath out{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
  if (out.slice.empty()) out.slice = "system.slice";
  constexpr std::string_view kSuffix = ".slice";
  if (out.slice.size() <= kSuffix.size() ||
      out.slice.compare(out.slice.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return bad("the slice must end in \".slice\"");
  }
  if (out.name.empty()) return bad("the name is empty");
  for (const std::string& part : {out.slice, out.prefix, out.name}) {
    if (part.find('/') != std::string::npos) return bad("parts may not contain '/'");
  }
  return out;
}

InitProcessInfo ReadInitProcessInfo() {
  InitProcessInfo info;
  absl::StatusOr<std::string> comm = ReadFile("/proc/1/comm");
  info.comm = comm.ok() ? std::string(TrimSpace(*comm)) : "unknown";
  info.systemd_booted = ::access("/run/systemd/system", F_OK) == 0;
  return info;
}

absl::Status SystemdDriverError(const std::string& cgroups_path, const InitProcessInfo& init) {
  if (!cgroups_path.empty()) {
    BERTH_RETURN_IF_ERROR(ParseSystemdCgroupPath(cgroups_path).status());
  }
  if (init.comm != "systemd" && !init.systemd_booted) {
    return FailedPreconditionf(
        "systemd cgroup driver requested (--systemd-cgroup) but systemd is not running as PID 1 "
        "(PID 1 is \"{}\"); omit --systemd-cgroup to use the cgroupfs driver",
        init.comm);
  }
  return FailedPreconditionf(
      "systemd cgroup driver requested (--systemd-cgroup) but berth-runtime does not support it "
      "yet; omit --systemd-cgroup to use the cgroupfs driver");
}

}  // namespace berth::runtime::cgroups

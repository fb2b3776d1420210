#include "runtime/cgroups/layout.h"

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::cgroups {
namespace {

// Mountinfo escapes spaces and friends as \ooo octal.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool octal = s[i] == '\\' && i + 3 < s.size();
    for (size_t j = 1; octal && j <= 3; ++j) octal = s[i + j] >= '0' && s[i + j] <= '7';
    if (octal) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Layout> ParseLayout(std::string_view mountinfo, std::string_view proc_self_cgroup,
                                   std::string_view unified_controllers) {
  Layout layout;
  bool unified_at_root = false;
  for (std::string_view line : Split(mountinfo, '\n', true)) {
    std::vector<std::string_view> f = Split(line, ' ', true);
    size_t dash = 0;
    for (size_t i = 6; i < f.size(); ++i) {
      if (f[i] == "-") {
        dash = i;
        break;
      }
    }
    if (dash == 0 || dash + 3 >= f.size()) continue;
    std::string_view fstype = f[dash + 1];
    std::string root = Unescape(f[3]);
    std::string mount_point = Unescape(f[4]);
    if (fstype == "cgroup2") {
      // The first cgroup2 mount wins; /sys/fs/cgroup itself is v2 mode.
      if (layout.unified_mount.empty() || mount_point == "/sys/fs/cgroup") {
        layout.unified_mount = mount_point;
        unified_at_root = mount_point == "/sys/fs/cgroup";
      }
      continue;
    }
    if (fstype != "cgroup") continue;
    for (std::string_view option : Split(f[dash + 3], ',', true)) {
      bool controller = option == "cpu" || option == "cpuacct" || option == "cpuset" ||
                        option == "memory" || option == "devices" || option == "freezer" ||
                        option == "blkio" || option == "pids" || option == "hugetlb" ||
                        option == "net_cls" || option == "net_prio" || option == "perf_event" ||
                        option == "rdma" || option == "misc" || option.starts_with("name=");
      if (!controller) continue;
      std::string name(option);
      if (layout.v1_mounts.count(name) == 0) {
        layout.v1_mounts[name] = mount_point;
        layout.v1_roots[name] = root;
      }
    }
  }
  bool has_v1_controllers = false;
  for (const auto& [name, mount] : layout.v1_mounts) {
    has_v1_controllers = has_v1_controllers || !name.starts_with("name=");
  }
  if (unified_at_root || (!has_v1_controllers && !layout.unified_mount.empty())) {
    layout.mode = Mode::kUnified;
  } else if (!layout.unified_mount.empty()) {
    layout.mode = Mode::kHybrid;
  } else if (has_v1_controllers) {
    layout.mode = Mode::kLegacy;
  } else {
    return absl::FailedPreconditionError("no cgroup filesystem is mounted (see /proc/self/mountinfo)");
  }
  for (std::string_view c : Split(TrimSpace(unified_controllers), ' ', true)) {
    layout.unified_controllers.emplace_back(c);
  }
  for (std::string_view line : Split(proc_self_cgroup, '\n', true)) {
    // hierarchy-id:controller-list:path
    size_t first = line.find(':');
    size_t second = line.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) continue;
    std::string_view controllers = line.substr(first + 1, second - first - 1);
    std::string path(line.substr(second + 1));
    if (controllers.empty()) {
      layout.own_cgroups[""] = path;
      continue;
    }
    for (std::string_view c : Split(controllers, ',', true)) layout.own_cgroups[std::string(c)] = path;
  }
  return layout;
}

absl::StatusOr<Layout> DetectLayout() {
  BERTH_ASSIGN_OR_RETURN(std::string mountinfo, ReadFile("/proc/self/mountinfo"));
  BERTH_ASSIGN_OR_RETURN(std::string self_cgroup, ReadFile("/proc/self/cgroup"));
  BERTH_ASSIGN_OR_RETURN(Layout layout, ParseLayout(mountinfo, self_cgroup, ""));
  if (!layout.unified_mount.empty()) {
    absl::StatusOr<std::string> controllers = ReadFile(layout.unified_mount + "/cgroup.controllers");
    if (controllers.ok()) {
      for (std::string_view c : Split(TrimSpace(*controllers), ' ', true)) {
        layout.unified_controllers.emplace_back(c);
      }
    }
  }
  return layout;
}

}  // namespace berth::runtime::cgroups

#include "runtime/cgroups/manager.h"

#include <utility>

#include "common/file_util.h"
#include "common/status.h"
#include "runtime/cgroups/paths.h"
#include "runtime/cgroups/v1_manager.h"
#include "runtime/cgroups/v2_manager.h"

namespace berth::runtime::cgroups {
namespace {

std::string Lookup(const std::map<std::string, std::string>& map, const std::string& key,
                   const std::string& fallback) {
  auto it = map.find(key);
  return it == map.end() ? fallback : it->second;
}

// Named hierarchies have no controller to limit with; like runc, the
// container joins only systemd's, so tools that read it find the container.
bool SkipHierarchy(const std::string& controller) {
  return controller.rfind("name=", 0) == 0 && controller != kSystemdHierarchy;
}

absl::StatusOr<std::string> UnifiedDir(const Layout& layout, const ManagerOptions& options) {
  HierarchyView view{layout.unified_mount, layout.unified_root,
                     Lookup(layout.own_cgroups, "", "/")};
  return ContainerDir(options.cgroups_path, options.container_id, view);
}

absl::StatusOr<std::map<std::string, std::string>> V1Dirs(const Layout& layout,
                                                          const ManagerOptions& options) {
  std::map<std::string, std::string> dirs;
  for (const auto& [controller, mount] : layout.v1_mounts) {
    if (SkipHierarchy(controller)) continue;
    HierarchyView view{mount, Lookup(layout.v1_roots, controller, "/"),
                       Lookup(layout.own_cgroups, controller, "/")};
    BERTH_ASSIGN_OR_RETURN(dirs[controller],
                           ContainerDir(options.cgroups_path, options.container_id, view));
  }
  if (dirs.empty() || (dirs.size() == 1 && dirs.count(kSystemdHierarchy) == 1)) {
    return FailedPreconditionf("no cgroup v1 controller is mounted");
  }
  return dirs;
}

absl::Status CheckRecordedPaths(const std::map<std::string, std::string>& paths) {
  if (paths.empty()) return InvalidArgumentf("no cgroup paths were recorded for the container");
  for (const auto& [controller, dir] : paths) {
    if (dir.empty() || dir[0] != '/' || CleanPath(dir) != dir) {
      return InvalidArgumentf("recorded cgroup path \"{}\" for \"{}\" is not a clean absolute path",
                              dir, controller);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Manager>> NewManager(const Layout& layout,
                                                    const ManagerOptions& options) {
  if (options.systemd) return SystemdDriverError(options.cgroups_path, ReadInitProcessInfo());
  if (layout.mode == Mode::kUnified) {
    BERTH_ASSIGN_OR_RETURN(std::string dir, UnifiedDir(layout, options));
    return std::unique_ptr<Manager>(new V2Manager(layout, std::move(dir)));
  }
  BERTH_ASSIGN_OR_RETURN(auto dirs, V1Dirs(layout, options));
  std::string unified;
  if (layout.mode == Mode::kHybrid) {
    BERTH_ASSIGN_OR_RETURN(unified, UnifiedDir(layout, options));
  }
  return std::unique_ptr<Manager>(new V1Manager(layout, std::move(dirs), std::move(unified)));
}

absl::StatusOr<std::unique_ptr<Manager>> LoadManager(
    const Layout& layout, const std::map<std::string, std::string>& paths) {
  BERTH_RETURN_IF_ERROR(CheckRecordedPaths(paths));
  std::map<std::string, std::string> v1 = paths;
  std::string unified = Lookup(paths, "", "");
  v1.erase("");
  if (layout.mode == Mode::kUnified) {
    if (!v1.empty() || unified.empty()) {
      return FailedPreconditionf(
          "the container's cgroups were recorded on a cgroup v1 host but this host is cgroup v2");
    }
    return std::unique_ptr<Manager>(new V2Manager(layout, std::move(unified)));
  }
  if (v1.empty()) {
    return FailedPreconditionf(
        "the container's cgroup was recorded on a cgroup v2 host but this host uses cgroup v1");
  }
  return std::unique_ptr<Manager>(new V1Manager(layout, std::move(v1), std::move(unified)));
}

}  // namespace berth::runtime::cgroups

#include "runtime/cgroups/manager.h"

#include "common/status.h"
#include "runtime/cgroups/paths.h"
#include "runtime/cgroups/v1_manager.h"
#include "runtime/cgroups/v2_manager.h"

namespace berth::runtime::cgroups {
namespace {

std::string OwnCgroup(const Layout& layout, const std::string& controller) {
  auto it = layout.own_cgroups.find(controller);
  return it == layout.own_cgroups.end() ? "/" : it->second;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Manager>> NewManager(const Layout& layout,
                                                    const ManagerOptions& options) {
  if (options.systemd) BERTH_RETURN_IF_ERROR(CheckSystemdDriver(options.cgroups_path));
  if (layout.mode == Mode::kUnified) {
    BERTH_ASSIGN_OR_RETURN(std::string inner, InnerPath(options.cgroups_path, options.container_id,
                                                        OwnCgroup(layout, "")));
    std::string dir = HostDir(layout.unified_mount, "/", inner);
    if (dir == layout.unified_mount) {
      return InvalidArgumentf("linux.cgroupsPath {:?} names the cgroup root", options.cgroups_path);
    }
    return std::unique_ptr<Manager>(new V2Manager(layout.unified_mount, dir));
  }
  std::map<std::string, std::string> dirs;
  for (const auto& [controller, mount] : layout.v1_mounts) {
    // Named hierarchies (name=systemd) belong to their manager, not to us.
    if (controller.starts_with("name=")) continue;
    BERTH_ASSIGN_OR_RETURN(std::string inner, InnerPath(options.cgroups_path, options.container_id,
                                                        OwnCgroup(layout, controller)));
    auto root = layout.v1_roots.find(controller);
    std::string dir = HostDir(mount, root == layout.v1_roots.end() ? "/" : root->second, inner);
    if (dir == mount) {
      return InvalidArgumentf("linux.cgroupsPath {:?} names the cgroup root", options.cgroups_path);
    }
    dirs[controller] = dir;
  }
  std::string unified_dir;
  if (layout.mode == Mode::kHybrid) {
    BERTH_ASSIGN_OR_RETURN(std::string inner, InnerPath(options.cgroups_path, options.container_id,
                                                        OwnCgroup(layout, "")));
    unified_dir = HostDir(layout.unified_mount, "/", inner);
  }
  return std::unique_ptr<Manager>(new V1Manager(layout.mode, std::move(dirs), unified_dir,
                                                layout.unified_controllers, layout.unified_mount));
}

absl::StatusOr<std::unique_ptr<Manager>> LoadManager(
    const Layout& layout, const std::map<std::string, std::string>& paths) {
  std::map<std::string, std::string> v1;
  std::string unified;
  for (const auto& [controller, dir] : paths) {
    if (controller.empty()) {
      unified = dir;
    } else {
      v1[controller] = dir;
    }
  }
  if (v1.empty()) {
    if (unified.empty()) return FailedPreconditionf("container has no recorded cgroups");
    return std::unique_ptr<Manager>(new V2Manager(layout.unified_mount, unified));
  }
  Mode mode = unified.empty() ? Mode::kLegacy : Mode::kHybrid;
  return std::unique_ptr<Manager>(new V1Manager(mode, std::move(v1), unified,
                                                layout.unified_controllers, layout.unified_mount));
}

}  // namespace berth::runtime::cgroups

#include "runtime/linux/cgroup_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <map>
#include <set>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "runtime/linux/path_resolve.h"

namespace berth::runtime::linux {
namespace {

// Flags that describe the mounted filesystem, without ro (applied last).
unsigned long BaseFlags(const MountOptions& opts) {
  return opts.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME |
                       MS_STRICTATIME | MS_NODIRATIME);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct Hierarchy {
  std::string name;                      // directory name under the tmpfs
  std::vector<std::string> controllers;  // "cpu", "cpuacct", "name=systemd"
};

// One entry per v1 mount point (co-mounted controllers share one).
std::vector<Hierarchy> V1Hierarchies(const cgroups::Layout& layout) {
  std::map<std::string, Hierarchy> by_mount;
  for (const auto& [controller, mount_point] : layout.v1_mounts) {
    Hierarchy& h = by_mount[mount_point];
    h.name = Basename(mount_point);
    h.controllers.push_back(controller);
  }
  std::vector<Hierarchy> out;
  for (auto& [mount_point, h] : by_mount) out.push_back(std::move(h));
  return out;
}

std::string HostDirFor(const MountContext& ctx, const Hierarchy& h) {
  for (const std::string& c : h.controllers) {
    auto it = ctx.cgroup_paths.find(c);
    if (it != ctx.cgroup_paths.end()) return it->second;
  }
  return "";
}

absl::Status BindRemountRo(int root_fd, const std::string& dest, const std::string& what) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenInRoot(root_fd, dest, O_PATH));
  std::string path = ProcFdPath(fd.get());
  if (::mount(nullptr, path.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) < 0) {
    int err = errno;
    // Keep the flags the mount already has (nosuid, nodev, noexec).
    if (::mount(nullptr, path.c_str(), nullptr,
                MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) < 0) {
      return ErrnoErrorf(err, "remount {} read-only", what);
    }
  }
  return absl::OkStatus();
}

absl::Status MountOneHierarchy(const MountContext& ctx, const std::string& dest,
                               const Hierarchy& h, unsigned long flags) {
  std::string sub = dest + "/" + h.name;
  BERTH_ASSIGN_OR_RETURN(UniqueFd target, CreateMountPoint(ctx.rootfs_fd, sub, true));
  std::string target_path = ProcFdPath(target.get());
  if (ctx.cgroup_ns) {
    std::vector<std::string> options;
    for (const std::string& c : h.controllers) {
      // A named hierarchy without controllers must say "none", or the
      // kernel takes it as a request for all of them.
      if (c.starts_with("name=") && h.controllers.size() == 1) options.push_back("none");
      options.push_back(c);
    }
    std::string data = Join(options, ",");
    if (::mount("cgroup", target_path.c_str(), "cgroup", flags, data.c_str()) < 0) {
      return ErrnoErrorf(errno, "mount cgroup {} on {:?}", data, sub);
    }
  } else {
    std::string host = HostDirFor(ctx, h);
    if (host.empty()) {
      // Not a hierarchy the container has a cgroup in: leave it empty.
      return absl::OkStatus();
    }
    if (::mount(host.c_str(), target_path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
      return ErrnoErrorf(errno, "bind cgroup {} on {:?}", host, sub);
    }
    BERTH_ASSIGN_OR_RETURN(UniqueFd mounted, OpenInRoot(ctx.rootfs_fd, sub, O_PATH));
    std::string mounted_path = ProcFdPath(mounted.get());
    if (::mount(nullptr, mounted_path.c_str(), nullptr, MS_BIND | MS_REMOUNT | flags, nullptr) <
        0) {
      return ErrnoErrorf(errno, "remount cgroup bind {:?}", sub);
    }
  }
  // "cpu,cpuacct" is also reachable as "cpu" and "cpuacct".
  if (h.name.find(',') != std::string::npos) {
    BERTH_ASSIGN_OR_RETURN(UniqueFd dir, MkdirAllInRoot(ctx.rootfs_fd, dest, 0755));
    for (std::string_view part : Split(h.name, ',', true)) {
      std::string link(part);
      if (::symlinkat(h.name.c_str(), dir.get(), link.c_str()) < 0 && errno != EEXIST) {
        return ErrnoErrorf(errno, "symlink {}/{} -> {}", dest, link, h.name);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status MountUnified(const MountContext& ctx, const std::string& dest, unsigned long flags) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd target, CreateMountPoint(ctx.rootfs_fd, dest, true));
  std::string target_path = ProcFdPath(target.get());
  if (ctx.cgroup_ns) {
    if (::mount("cgroup2", target_path.c_str(), "cgroup2", flags, nullptr) == 0) {
      return absl::OkStatus();
    }
    if (errno != EPERM && errno != EBUSY) {
      return ErrnoErrorf(errno, "mount cgroup2 on {:?}", dest);
    }
  }
  auto it = ctx.cgroup_paths.find("");
  if (it == ctx.cgroup_paths.end()) return absl::OkStatus();
  if (::mount(it->second.c_str(), target_path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    return ErrnoErrorf(errno, "bind cgroup2 {} on {:?}", it->second, dest);
  }
  BERTH_ASSIGN_OR_RETURN(UniqueFd mounted, OpenInRoot(ctx.rootfs_fd, dest, O_PATH));
  std::string mounted_path = ProcFdPath(mounted.get());
  if (::mount(nullptr, mounted_path.c_str(), nullptr, MS_BIND | MS_REMOUNT | flags, nullptr) < 0) {
    return ErrnoErrorf(errno, "remount cgroup2 bind {:?}", dest);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MountCgroups(const spec::Mount& m, const MountOptions& opts,
                          const MountContext& ctx) {
  if (ctx.cgroup_layout == nullptr) return Internalf("cgroup mount without a cgroup layout");
  const cgroups::Layout& layout = *ctx.cgroup_layout;
  std::string dest = CleanPath("/" + m.destination);
  unsigned long flags = BaseFlags(opts);
  bool read_only = (opts.flags & MS_RDONLY) != 0;

  if (layout.mode == cgroups::Mode::kUnified) {
    BERTH_RETURN_IF_ERROR(MountUnified(ctx, dest, flags | (read_only ? MS_RDONLY : 0)));
    return absl::OkStatus();
  }

  BERTH_ASSIGN_OR_RETURN(UniqueFd target, CreateMountPoint(ctx.rootfs_fd, dest, true));
  std::string target_path = ProcFdPath(target.get());
  if (::mount("tmpfs", target_path.c_str(), "tmpfs", flags, "mode=755") < 0) {
    return ErrnoErrorf(errno, "mount tmpfs for cgroups on {:?}", dest);
  }
  std::vector<Hierarchy> hierarchies = V1Hierarchies(layout);
  for (const Hierarchy& h : hierarchies) {
    BERTH_RETURN_IF_ERROR(MountOneHierarchy(ctx, dest, h, flags));
  }
  if (layout.mode == cgroups::Mode::kHybrid) {
    BERTH_RETURN_IF_ERROR(MountUnified(ctx, dest + "/unified", flags));
  }
  if (read_only) {
    for (const Hierarchy& h : hierarchies) {
      std::string sub = dest + "/" + h.name;
      if (ctx.cgroup_ns || !HostDirFor(ctx, h).empty()) {
        BERTH_RETURN_IF_ERROR(BindRemountRo(ctx.rootfs_fd, sub, "cgroup " + sub));
      }
    }
    if (layout.mode == cgroups::Mode::kHybrid &&
        (ctx.cgroup_ns || ctx.cgroup_paths.count("") > 0)) {
      BERTH_RETURN_IF_ERROR(BindRemountRo(ctx.rootfs_fd, dest + "/unified", "cgroup unified"));
    }
    BERTH_ASSIGN_OR_RETURN(UniqueFd top, OpenInRoot(ctx.rootfs_fd, dest, O_PATH));
    std::string top_path = ProcFdPath(top.get());
    if (::mount(nullptr, top_path.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | flags, nullptr) <
        0) {
      return ErrnoErrorf(errno, "remount cgroup tmpfs {:?} read-only", dest);
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

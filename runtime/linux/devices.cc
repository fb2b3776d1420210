#include "runtime/linux/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/status.h"
#include "runtime/linux/path_resolve.h"

namespace berth::runtime::linux {
namespace {

spec::Device CharDevice(const char* path, int64_t major, int64_t minor) {
  spec::Device d;
  d.path = path;
  d.type = "c";
  d.major = major;
  d.minor = minor;
  d.file_mode = 0666;
  d.uid = 0;
  d.gid = 0;
  return d;
}

absl::StatusOr<mode_t> DeviceType(const spec::Device& d) {
  if (d.type == "c" || d.type == "u") return S_IFCHR;
  if (d.type == "b") return S_IFBLK;
  if (d.type == "p") return S_IFIFO;
  return InvalidArgumentf("device {}: unknown type {:?} (want c, b, u or p)", d.path, d.type);
}

absl::Status CreateOne(int rootfs_fd, const spec::Device& d, bool bind_from_host) {
  BERTH_ASSIGN_OR_RETURN(mode_t type, DeviceType(d));
  std::string path = CleanPath("/" + d.path);
  size_t slash = path.rfind('/');
  std::string dir = path.substr(0, slash);
  std::string name = path.substr(slash + 1);
  BERTH_ASSIGN_OR_RETURN(UniqueFd parent, MkdirAllInRoot(rootfs_fd, dir.empty() ? "/" : dir, 0755));
  UniqueFd parent_dir(::openat(parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_dir) return ErrnoErrorf(errno, "open {}", dir);

  // Whatever the image has there is replaced (not followed).
  struct stat st;
  if (::fstatat(parent_dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode)) return FailedPreconditionf("device {}: a directory is in the way", path);
    if (::unlinkat(parent_dir.get(), name.c_str(), 0) < 0) {
      return ErrnoErrorf(errno, "remove {} to create device", path);
    }
  }
  mode_t perms = static_cast<mode_t>(d.file_mode.value_or(0666) & 07777);
  if (bind_from_host) {
    UniqueFd file(::openat(parent_dir.get(), name.c_str(),
                           O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000));
    if (!file) return ErrnoErrorf(errno, "create mount point for device {}", path);
    file.reset();
    BERTH_ASSIGN_OR_RETURN(UniqueFd target, OpenInRoot(rootfs_fd, path, O_PATH));
    if (::mount(path.c_str(), ProcFdPath(target.get()).c_str(), nullptr, MS_BIND, nullptr) < 0) {
      return ErrnoErrorf(errno, "bind host device {} into the container", path);
    }
    return absl::OkStatus();
  }
  dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
  if (::mknodat(parent_dir.get(), name.c_str(), type | perms, type == S_IFIFO ? 0 : dev) < 0) {
    return ErrnoErrorf(errno, "mknod {} ({}:{})", path, d.major, d.minor);
  }
  // mknod honours the umask; the spec's fileMode is exact.
  if (::fchmodat(parent_dir.get(), name.c_str(), perms, 0) < 0) {
    return ErrnoErrorf(errno, "chmod device {}", path);
  }
  if (::fchownat(parent_dir.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0),
                 AT_SYMLINK_NOFOLLOW) < 0) {
    return ErrnoErrorf(errno, "chown device {}", path);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<spec::Device> DefaultDevices() {
  return {CharDevice("/dev/null", 1, 3),    CharDevice("/dev/zero", 1, 5),
          CharDevice("/dev/full", 1, 7),    CharDevice("/dev/tty", 5, 0),
          CharDevice("/dev/urandom", 1, 9), CharDevice("/dev/random", 1, 8)};
}

std::vector<spec::Device> DevicesWithDefaults(const std::vector<spec::Device>& configured) {
  std::vector<spec::Device> out = configured;
  for (const spec::Device& d : DefaultDevices()) {
    bool overridden = false;
    for (const spec::Device& c : configured) {
      if (CleanPath("/" + c.path) == d.path) overridden = true;
    }
    if (!overridden) out.push_back(d);
  }
  return out;
}

absl::Status CreateDevices(int rootfs_fd, const std::vector<spec::Device>& devices,
                           bool bind_from_host) {
  for (const spec::Device& d : devices) {
    BERTH_RETURN_IF_ERROR(CreateOne(rootfs_fd, d, bind_from_host));
  }
  return absl::OkStatus();
}

absl::Status CreateDevSymlinks(int rootfs_fd) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd dev_path, MkdirAllInRoot(rootfs_fd, "/dev", 0755));
  UniqueFd dev(::openat(dev_path.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dev) return ErrnoErrorf(errno, "open /dev in container rootfs");
  std::vector<std::pair<const char*, const char*>> links = {
      {"/proc/self/fd", "fd"},
      {"/proc/self/fd/0", "stdin"},
      {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"},
  };
  if (::access("/proc/kcore", F_OK) == 0) links.emplace_back("/proc/kcore", "core");
  for (const auto& [target, name] : links) {
    if (::symlinkat(target, dev.get(), name) < 0 && errno != EEXIST) {
      return ErrnoErrorf(errno, "symlink /dev/{} -> {}", name, target);
    }
  }
  // /dev/ptmx must be the container's own devpts instance.
  struct stat st;
  if (::fstatat(dev.get(), "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (::unlinkat(dev.get(), "ptmx", 0) < 0) return ErrnoErrorf(errno, "remove /dev/ptmx");
  }
  if (::symlinkat("pts/ptmx", dev.get(), "ptmx") < 0) {
    return ErrnoErrorf(errno, "symlink /dev/ptmx -> pts/ptmx");
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

#include "runtime/linux/id_mapped_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/linux/user_namespace.h"

namespace berth::runtime::linux {

absl::Status MountIdMapped(const spec::Mount& m, const MountOptions& opts, int target_fd,
                           int container_user_ns_fd) {
  unsigned int recursive = opts.idmap_recursive || opts.IsRecursiveBind() ? AT_RECURSIVE : 0;
  UniqueFd tree(::open_tree(AT_FDCWD, m.source.c_str(),
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive));
  if (!tree) return ErrnoErrorf(errno, "open_tree {} for idmapped mount", m.source);

  UniqueFd own_ns;
  int ns_fd = container_user_ns_fd;
  if (!m.uid_mappings.empty() || !m.gid_mappings.empty()) {
    BERTH_ASSIGN_OR_RETURN(own_ns, MakeUserNamespace(m.uid_mappings, m.gid_mappings));
    ns_fd = own_ns.get();
  }
  if (ns_fd < 0) {
    return InvalidArgumentf(
        "mount {:?}: idmap needs uidMappings/gidMappings or a container user namespace",
        m.destination);
  }
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(ns_fd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | recursive, &attr, sizeof(attr)) < 0) {
    return ErrnoErrorf(errno, "mark {} idmapped (filesystem support needed)", m.source);
  }
  if (::move_mount(tree.get(), "", target_fd, "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
    return ErrnoErrorf(errno, "move idmapped mount of {} to {:?}", m.source, m.destination);
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux

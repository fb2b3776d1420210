#include "engined/daemon/tree_tar.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <memory>

#include "common/status.h"
#include "containerd/core/diff/fs_at.h"
#include "containerd/core/diff/layer_writer.h"

namespace berth::engined {
namespace {

namespace diff = containerd::diff;

// Kernel filesystems whose files are not data: /proc/kcore alone would
// stream for ever.
bool IsPseudoFs(int fd) {
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0) return false;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case DEVPTS_SUPER_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case BPF_FS_MAGIC:
    case 0x19800202:  // mqueue
      return true;
    default:
      return false;
  }
}

std::string Child(const std::string& prefix, const std::string& name, bool root_is_slash) {
  if (prefix.empty()) return root_is_slash ? "/" + name : name;
  return prefix + "/" + name;
}

// Writes the children of the directory `dir_fd` (named `prefix`).
absl::Status WalkDir(diff::LayerWriter& writer, int dir_fd, const std::string& prefix,
                     bool root_is_slash) {
  if (IsPseudoFs(dir_fd)) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, diff::ListDir(dir_fd));
  for (const std::string& name : names) {
    std::string rel = Child(prefix, name, root_is_slash);
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed while we walk (a live container)
      return ErrnoErrorf(errno, "stat {}", rel);
    }
    BERTH_RETURN_IF_ERROR(WithContext(writer.Add(dir_fd, name, rel, st), rel));
    if (!S_ISDIR(st.st_mode)) continue;
    int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return ErrnoErrorf(errno, "open {}", rel);
    }
    UniqueFd child(fd);
    BERTH_RETURN_IF_ERROR(WalkDir(writer, child.get(), rel, root_is_slash));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<diff::LayerWriter>> OpenWriter(const TarSink& sink) {
  return diff::LayerWriter::Open(sink, diff::Compression::kNone);
}

}  // namespace

absl::Status WriteTarOfEntry(int dir_fd, const std::string& name, const struct stat& st,
                             const std::string& prefix, const TarSink& sink) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<diff::LayerWriter> writer, OpenWriter(sink));
  // The root of a copy of "/" is "/" itself.
  BERTH_RETURN_IF_ERROR(writer->Add(dir_fd, name, prefix.empty() ? "/" : prefix, st));
  if (S_ISDIR(st.st_mode)) {
    int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoErrorf(errno, "open {}", prefix);
    UniqueFd dir(fd);
    BERTH_RETURN_IF_ERROR(WalkDir(*writer, dir.get(), prefix, /*root_is_slash=*/true));
  }
  return writer->Close().status();
}

absl::Status WriteTarOfTree(int dir_fd, const TarSink& sink) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<diff::LayerWriter> writer, OpenWriter(sink));
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open root");
  UniqueFd root(fd);
  BERTH_RETURN_IF_ERROR(WalkDir(*writer, root.get(), "", /*root_is_slash=*/false));
  return writer->Close().status();
}

}  // namespace berth::engined

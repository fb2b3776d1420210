// WriteLayerFromUpper: walks an overlayfs upper directory in name order and
// hands each entry to a LayerWriter, turning overlayfs whiteouts back into
// OCI ones.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/status.h"
#include "containerd/core/diff/diff.h"
#include "containerd/core/diff/fs_at.h"
#include "containerd/core/diff/layer_writer.h"

namespace berth::containerd::diff {
namespace {

absl::Status WalkUpper(LayerWriter& writer, int dir_fd, const std::string& rel_dir) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir_fd));
  for (const std::string& name : names) {
    std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoErrorf(errno, "stat {}", rel);
    }
    std::string parent_prefix = rel_dir.empty() ? "" : rel_dir + "/";
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      BERTH_RETURN_IF_ERROR(writer.AddMarker(parent_prefix + ".wh." + name, st));
      continue;
    }
    BERTH_RETURN_IF_ERROR(WithContext(writer.Add(dir_fd, name, rel, st), rel));
    if (!S_ISDIR(st.st_mode)) continue;
    int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoErrorf(errno, "open {}", rel);
    UniqueFd child(fd);
    char value[2];
    ssize_t n = fgetxattr(child.get(), "trusted.overlay.opaque", value, sizeof(value));
    if (n == 1 && value[0] == 'y') {
      BERTH_RETURN_IF_ERROR(writer.AddMarker(rel + "/.wh..wh..opq", st));
    }
    BERTH_RETURN_IF_ERROR(WalkUpper(writer, child.get(), rel));
  }
  return absl::OkStatus();
}

}  // namespace

LayerSink FdSink(int fd) {
  return [fd](std::string_view data) -> absl::Status {
    while (!data.empty()) {
      ssize_t n = write(fd, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoErrorf(errno, "write layer");
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  };
}

absl::StatusOr<LayerDigests> WriteLayerFromUpper(const std::string& upper, const LayerSink& sink,
                                                 Compression compression) {
  int fd = open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoErrorf(errno, "open upper dir {}", upper);
  UniqueFd upper_fd(fd);
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<LayerWriter> writer, LayerWriter::Open(sink, compression));
  BERTH_RETURN_IF_ERROR(
      WithContext(WalkUpper(*writer, upper_fd.get(), ""), "write layer from " + upper));
  return writer->Close();
}

absl::StatusOr<LayerDigests> WriteLayerFromUpper(const std::string& upper, int out_fd,
                                                 Compression compression) {
  return WriteLayerFromUpper(upper, FdSink(out_fd), compression);
}

}  // namespace berth::containerd::diff

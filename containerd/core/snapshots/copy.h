// A faithful copy of a directory tree, what the native snapshotter makes of
// a parent (containerd's continuity fs.CopyDir): modes, owners, times,
// symlinks, xattrs, device nodes, fifos, sockets and hard links (entries
// sharing an inode in the source share one in the copy).
#pragma once

#include <string>

#include "absl/status/status.h"

namespace berth::containerd::snapshots {

// Copies the contents and attributes of directory `src` into `dst`, which
// must exist (its own attributes become those of `src`). Stays on the
// filesystem of `src`: mount points below it are copied as empty dirs.
absl::Status CopyTree(const std::string& src, const std::string& dst);

}  // namespace berth::containerd::snapshots

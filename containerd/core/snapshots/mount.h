// A mount as a snapshotter hands it out (the fields of proto
// berth.containerd.v1.Mount, as containerd's mount.Mount), and the code that
// performs it with mount(2).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace berth::containerd::snapshots {

struct Mount {
  std::string type;                  // "bind", "overlay"
  std::string source;                // a directory for bind, "overlay" for overlay
  std::string target;                // empty: the caller picks where
  std::vector<std::string> options;  // "ro", "rbind", "lowerdir=...", ...

  bool operator==(const Mount&) const = default;
};

// mount(2) arguments from fstab-style options: the flag words ("ro", "rw",
// "bind", "rbind", "nosuid", "nodev", "noexec", "relatime", ...) become
// flags, the rest is joined with ',' into the data string.
struct MountArgs {
  unsigned long flags = 0;
  std::string data;
};
MountArgs ParseMountOptions(const std::vector<std::string>& options);

// Mounts `m` on `target`. A read-only bind is a bind followed by a read-only
// remount, as the kernel ignores MS_RDONLY on the first call. An option
// string longer than a page is InvalidArgument (the kernel would cut it).
absl::Status MountAt(const Mount& m, const std::string& target);

// Mounts each of `mounts` on `target` in order; on failure unmounts what it
// mounted.
absl::Status MountAll(const std::vector<Mount>& mounts, const std::string& target);

// Unmounts everything stacked on `target` (until it is no longer a mount
// point). A target that is not a mount point is fine.
absl::Status UnmountAll(const std::string& target);

}  // namespace berth::containerd::snapshots
